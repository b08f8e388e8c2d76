import type { z } from 'zod';
import type { ColumnMapping, DateFormats, Task } from '../lambdas/shared/model';
import type { TemplateSummary } from '../lambdas/shared/templates/types';
import {
  type CreatedImport,
  createdImportSchema,
  createdTaskSchema,
  type DownloadLink,
  type EmailSettings,
  emailSettingsSchema,
  errorBodySchema,
  type FailedRow,
  failedRowSchema,
  type LinkKind,
  linkSchema,
  type MatchAnswer,
  mappingsSchema,
  matchSchema,
  type Page,
  pageSchema,
  rowErrorSchema,
  type SavedMapping,
  taskSchema,
  templatesSchema,
} from './schemas';

/** `POST /api/imports`: the file, and how to read it (DESIGN §9). */
export interface CreateImportRequest {
  templateId: string;
  fileName: string;
  fileSize: number;
  mapping?: ColumnMapping;
  formats?: DateFormats;
  defaultCountry?: string;
  /** A check (DESIGN §10): every check runs, no record is written. */
  dryRun?: boolean;
}

/** An API answer other than success, with the API's stable code and its message safe to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A failed row sent back with new values (DESIGN §10): values by the file's headers; those left out stay. */
export interface FixRow {
  rowNumber: number;
  values: Record<string, string>;
}

export interface ApiClientOptions {
  /** Builds the absolute URL of an API path such as `/api/imports`. */
  url: (path: string) => string;
  /** The current access token, or undefined when signed out. */
  token: () => string | undefined;
  /** Called on a 401 (the console sends the user back to sign-in). */
  onUnauthorized: () => void;
  fetchFn?: typeof fetch;
}

export interface ApiClient {
  listTemplates(): Promise<TemplateSummary[]>;
  sampleCsv(templateId: string): Promise<Blob>;
  listImports(limit: number, cursor?: string): Promise<Page<Task>>;
  getImport(importId: string): Promise<Task>;
  listErrors(importId: string, limit: number, cursor?: string): Promise<Page<z.infer<typeof rowErrorSchema>>>;
  link(importId: string, kind: LinkKind): Promise<DownloadLink>;
  createImport(body: CreateImportRequest): Promise<CreatedImport>;
  matchColumns(templateId: string, header: string[], rows: string[][]): Promise<MatchAnswer>;
  listMappings(templateId: string): Promise<SavedMapping[]>;
  deleteMapping(templateId: string, mappingId: string): Promise<void>;
  completeUpload(importId: string, parts: { partNumber: number; etag: string }[]): Promise<Task>;
  /** Imports what a finished check checked: the same stored file, read the same way. */
  commitCheck(importId: string): Promise<Task>;
  /** The failed rows of an ended import, in row order, with their values and errors. */
  listFailedRows(importId: string, limit: number, cursor?: string): Promise<Page<FailedRow>>;
  /** Cancels an import that has not ended: rows not committed yet are not committed. */
  cancelImport(importId: string): Promise<Task>;
  /** Imports (or with `dryRun`, checks) failed rows of an ended import with new values: a fix import. */
  createFixes(importId: string, rows: FixRow[], dryRun?: boolean): Promise<Task>;
  getEmailSettings(): Promise<EmailSettings>;
  putEmailSettings(settings: EmailSettings): Promise<EmailSettings>;
}

const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** The HTTP API of DESIGN §6: bearer token on every call, zod on every answer, errors as ApiError. */
export const createApiClient = (options: ApiClientOptions): ApiClient => {
  const fetchFn = options.fetchFn ?? ((input, init) => fetch(input, init));

  const send = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const token = options.token();
    let response: Response;
    try {
      response = await fetchFn(options.url(path), {
        method,
        headers: {
          accept: 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new ApiError(
        0,
        'NETWORK',
        'The server could not be reached. Check your connection and try again.',
        {
          cause: error,
        },
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: z.infer<typeof errorBodySchema> | undefined;
    try {
      const result = errorBodySchema.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : undefined;
    } catch {
      parsed = undefined; // Not JSON: a proxy or gateway page; the status says enough.
    }
    if (response.status === 401) options.onUnauthorized();
    throw new ApiError(
      response.status,
      parsed?.error.code ?? `HTTP_${response.status}`,
      parsed?.error.message ?? `The server answered ${response.status} ${response.statusText}.`.trim(),
    );
  };

  const json = async <Schema extends z.ZodType>(
    schema: Schema,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<z.output<Schema>> => {
    const response = await send(method, path, body);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) {
      throw new ApiError(
        response.status,
        'UNEXPECTED_RESPONSE',
        `The server sent an answer this client does not understand (${method} ${path}).`,
      );
    }
    return parsed.data;
  };

  const id = encodeURIComponent;

  return {
    listTemplates: async () => (await json(templatesSchema, 'GET', '/api/templates')).items,
    sampleCsv: async (templateId) => (await send('GET', `/api/templates/${id(templateId)}/sample`)).blob(),
    listImports: (limit, cursor) =>
      json(pageSchema(taskSchema), 'GET', `/api/imports${query({ limit, cursor })}`),
    getImport: (importId) => json(taskSchema, 'GET', `/api/imports/${id(importId)}`),
    listErrors: (importId, limit, cursor) =>
      json(
        pageSchema(rowErrorSchema),
        'GET',
        `/api/imports/${id(importId)}/errors${query({ limit, cursor })}`,
      ),
    link: (importId, kind) => json(linkSchema, 'GET', `/api/imports/${id(importId)}/links/${kind}`),
    createImport: (body) => json(createdImportSchema, 'POST', '/api/imports', body),
    matchColumns: (templateId, header, rows) =>
      json(matchSchema, 'POST', `/api/templates/${id(templateId)}/match`, { header, rows }),
    listMappings: async (templateId) =>
      (await json(mappingsSchema, 'GET', `/api/templates/${id(templateId)}/mappings`)).items,
    deleteMapping: async (templateId, mappingId) => {
      await send('DELETE', `/api/templates/${id(templateId)}/mappings/${id(mappingId)}`);
    },
    completeUpload: (importId, parts) =>
      json(taskSchema, 'POST', `/api/imports/${id(importId)}/upload/complete`, { parts }),
    commitCheck: async (importId) =>
      (await json(createdTaskSchema, 'POST', `/api/imports/${id(importId)}/commit`, {})).import,
    listFailedRows: (importId, limit, cursor) =>
      json(
        pageSchema(failedRowSchema),
        'GET',
        `/api/imports/${id(importId)}/failed-rows${query({ limit, cursor })}`,
      ),
    cancelImport: (importId) => json(taskSchema, 'POST', `/api/imports/${id(importId)}/cancel`, {}),
    createFixes: async (importId, rows, dryRun) =>
      (
        await json(createdTaskSchema, 'POST', `/api/imports/${id(importId)}/fixes`, {
          rows,
          ...(dryRun ? { dryRun } : {}),
        })
      ).import,
    getEmailSettings: () => json(emailSettingsSchema, 'GET', '/api/settings/email'),
    putEmailSettings: (settings) => json(emailSettingsSchema, 'PUT', '/api/settings/email', settings),
  };
};
