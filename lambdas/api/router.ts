import { DEFAULT_ACCOUNT } from '../shared/account';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { trimCharacters } from '../shared/text';
import type { AccountApiDeps, ApiDeps, ApiRequest, ApiResponse } from './api-types';
import { accountCursors } from './cursor-codec';
import { getEmailSettings, putEmailSettings, putEmailSettingsBodySchema } from './email-settings';
import { listFailedRows } from './failed-rows';
import { createFixes, fixesBodySchema } from './fixes';
import { csvResponse, jsonResponse, noContentResponse, parseBody, parseQuery, toErrorResponse } from './http';
import {
  cancelImport,
  commitCheck,
  completeUpload,
  completeUploadBodySchema,
  createImport,
  createImportBodySchema,
  createImportLink,
  getImport,
  LINK_KINDS,
  linkKindSchema,
  listImportErrors,
  listImports,
} from './imports';
import { deleteMapping, listMappings, matchBodySchema, matchTemplate } from './mappings';
import { pageQuerySchema } from './paging';
import { listTemplateRecords, listTemplateSummaries, templateSample } from './templates';
import type { Principal } from './token-verifier';

/** `'/api/imports/{importId}/links/{kind}'` → `'importId' | 'kind'`. */
type ParamNames<Pattern extends string> = Pattern extends `${string}{${infer Name}}${infer Rest}`
  ? Name | ParamNames<Rest>
  : never;
type Params<Pattern extends string> = { readonly [Name in ParamNames<Pattern>]: string };

interface RouteContext<P> {
  /** The caller's account's stores alone: a route cannot name another account's data. */
  deps: AccountApiDeps;
  request: ApiRequest;
  params: P;
  principal: Principal;
}

/** What a route is, without its handler: the API's public surface. */
export interface RouteSignature {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/api/imports/{importId}`: parameters in braces, each one path segment. */
  pattern: string;
  /** Public routes skip the token check (only health). */
  isPublic: boolean;
}

interface Route extends RouteSignature {
  /** The path parameters when `path` matches, keyed by name. */
  match(path: string): Record<string, string> | undefined;
  handle(context: RouteContext<Record<string, string>>): Promise<ApiResponse>;
}

const compile = (pattern: string): ((path: string) => Record<string, string> | undefined) => {
  const names: string[] = [];
  const source = pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${source}$`);
  return (path) => {
    const found = regex.exec(path);
    if (!found) return undefined;
    const params: Record<string, string> = {};
    for (const [index, name] of names.entries()) {
      try {
        params[name] = decodeURIComponent(found[index + 1] ?? '');
      } catch {
        return undefined; // A malformed %-escape names nothing that exists.
      }
    }
    return params;
  };
};

const route = <Pattern extends string>(
  method: Route['method'],
  pattern: Pattern,
  handle: (context: RouteContext<Params<Pattern>>) => Promise<ApiResponse>,
  options: { isPublic?: boolean } = {},
): Route => ({
  method,
  pattern,
  isPublic: options.isPublic ?? false,
  match: compile(pattern),
  // `match` captured exactly the names in `Pattern`, which is what Params<Pattern> describes.
  handle: (context) => handle(context as RouteContext<Params<Pattern>>),
});

const linkKind = (kind: string) => {
  const parsed = linkKindSchema.safeParse(kind);
  if (!parsed.success) {
    throw new BadRequestError(`Unknown link kind "${kind}": expected one of ${LINK_KINDS.join(', ')}.`);
  }
  return parsed.data;
};

const importsPage = pageQuerySchema(25, 100);
const errorsPage = pageQuerySchema(100, 1000);
const recordsPage = pageQuerySchema(100, 1000);
const failedRowsPage = pageQuerySchema(100, 1000);

/** Every route of DESIGN §6, built once; handlers get their dependencies per call. */
const ROUTES: readonly Route[] = [
  route('GET', '/api/health', async () => jsonResponse(200, { ok: true }), { isPublic: true }),

  route('GET', '/api/templates', async () => jsonResponse(200, listTemplateSummaries())),
  route('GET', '/api/templates/{templateId}/sample', async ({ params }) => {
    const sample = templateSample(params.templateId);
    return csvResponse(sample.fileName, sample.csv);
  }),
  route('GET', '/api/templates/{templateId}/records', async ({ deps, request, params }) =>
    jsonResponse(200, await listTemplateRecords(deps, params.templateId, parseQuery(request, recordsPage))),
  ),
  route('POST', '/api/templates/{templateId}/match', async ({ deps, request, params }) =>
    jsonResponse(200, await matchTemplate(deps, params.templateId, parseBody(request, matchBodySchema))),
  ),
  route('GET', '/api/templates/{templateId}/mappings', async ({ deps, params }) =>
    jsonResponse(200, await listMappings(deps, params.templateId)),
  ),
  route('DELETE', '/api/templates/{templateId}/mappings/{mappingId}', async ({ deps, params }) => {
    await deleteMapping(deps, params.templateId, params.mappingId);
    return noContentResponse();
  }),

  route('POST', '/api/imports', async ({ deps, request, principal }) =>
    jsonResponse(201, await createImport(deps, principal, parseBody(request, createImportBodySchema))),
  ),
  route('GET', '/api/imports', async ({ deps, request }) =>
    jsonResponse(200, await listImports(deps, parseQuery(request, importsPage))),
  ),
  route('GET', '/api/imports/{importId}', async ({ deps, params }) =>
    jsonResponse(200, await getImport(deps, params.importId)),
  ),
  route('POST', '/api/imports/{importId}/upload/complete', async ({ deps, request, params }) =>
    jsonResponse(
      200,
      await completeUpload(deps, params.importId, parseBody(request, completeUploadBodySchema)),
    ),
  ),
  route('POST', '/api/imports/{importId}/commit', async ({ deps, params, principal }) =>
    jsonResponse(201, await commitCheck(deps, principal, params.importId)),
  ),
  route('POST', '/api/imports/{importId}/cancel', async ({ deps, params, principal }) =>
    jsonResponse(202, await cancelImport(deps, principal, params.importId)),
  ),
  route('POST', '/api/imports/{importId}/fixes', async ({ deps, request, params, principal }) =>
    jsonResponse(
      201,
      await createFixes(deps, principal, params.importId, parseBody(request, fixesBodySchema)),
    ),
  ),
  route('GET', '/api/imports/{importId}/errors', async ({ deps, request, params }) =>
    jsonResponse(200, await listImportErrors(deps, params.importId, parseQuery(request, errorsPage))),
  ),
  route('GET', '/api/imports/{importId}/failed-rows', async ({ deps, request, params }) =>
    jsonResponse(200, await listFailedRows(deps, params.importId, parseQuery(request, failedRowsPage))),
  ),
  route('GET', '/api/imports/{importId}/links/{kind}', async ({ deps, params }) =>
    jsonResponse(200, await createImportLink(deps, params.importId, linkKind(params.kind))),
  ),

  route('GET', '/api/settings/email', async ({ deps }) => jsonResponse(200, await getEmailSettings(deps))),
  route('PUT', '/api/settings/email', async ({ deps, request }) =>
    jsonResponse(200, await putEmailSettings(deps, parseBody(request, putEmailSettingsBodySchema))),
  ),
];

/** The method, pattern and visibility of every route, e.g. for tests that must cover each one. */
export const API_ROUTES: readonly RouteSignature[] = ROUTES.map(({ method, pattern, isPublic }) => ({
  method,
  pattern,
  isPublic,
}));

/** Health needs no caller; it is the only route that answers without a principal. */
const ANONYMOUS: Principal = { username: 'anonymous', groups: [], account: DEFAULT_ACCOUNT };

/**
 * The API as one function from a plain request to a plain response. The route is found first (an
 * unknown one is a 404 for everyone), then the caller must be an admin, then the route runs; every
 * error goes through the one mapper.
 */
export const createApi = (deps: ApiDeps): ((request: ApiRequest) => Promise<ApiResponse>) => {
  return async (request) => {
    try {
      const path =
        request.path.length > 1 ? trimCharacters(request.path, '/', { start: false }) : request.path;
      const method = request.method.toUpperCase();
      for (const candidate of ROUTES) {
        if (candidate.method !== method) continue;
        const params = candidate.match(path);
        if (!params) continue;
        const principal = candidate.isPublic
          ? ANONYMOUS
          : await deps.verifyToken(request.headers.authorization);
        const { forAccount, verifyToken: _verifyToken, ...shared } = deps;
        const scoped: AccountApiDeps = {
          ...shared,
          ...forAccount(principal.account),
          account: principal.account,
          cursors: accountCursors(deps.cursors, principal.account),
        };
        return await candidate.handle({ deps: scoped, request, params, principal });
      }
      throw new NotFoundError(`No route for ${method} ${path}.`);
    } catch (error) {
      return toErrorResponse(error, request, deps.logger);
    }
  };
};
