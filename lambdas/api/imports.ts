import { z } from 'zod';
import { BadRequestError, ConflictError, NotFoundError } from '../shared/errors';
import { storedSizeProblem } from '../shared/file-limits';
import { LINK_TTL_SECONDS, PART_URL_TTL_SECONDS, reportDownloadName } from '../shared/links';
import { readingIssues } from '../shared/mapping/reading-rules';
import {
  type ColumnMapping,
  type DateFormats,
  isFinalStatus,
  MAX_FILE_BYTES,
  type RowError,
  type Task,
  type TaskRecord,
  TaskSource,
  TaskStatus,
  toPublicTask,
} from '../shared/model';
import { exceptionsKey, resultsKey, uploadKey } from '../shared/object-keys';
import type { CompletedPart, ObjectStore, TaskStore } from '../shared/ports';
import { findTemplate, listTemplates } from '../shared/templates';
import type { AccountApiDeps } from './api-types';
import { fixAncestorsOf, listFix } from './fixes';
import type { ListPage, PageQuery } from './paging';
import type { Principal } from './token-verifier';

/**
 * Import tasks: creating one with its presigned multipart upload, completing that upload, listing,
 * reading, row errors and download links. Pure over the ports; the router turns results into HTTP.
 */

export type ImportsDeps = Pick<AccountApiDeps, 'objects' | 'tasks' | 'cursors' | 'logger' | 'now' | 'newId'>;

/** S3 wants parts of at least 5 MiB (but the last); the local emulator refuses bodies over 11 MiB. */
export const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

const MIB = 1024 * 1024;
const LIMIT_MB = MAX_FILE_BYTES / MIB;
const bytes = (count: number): string => `${count.toLocaleString('en-US')} bytes`;

const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

/**
 * A file name is shown in the console, in replies and in download headers: characters that cannot be
 * displayed, or could split a header or a log line, are refused rather than silently changed.
 */
const CONTROL_CHARACTER = /\p{Cc}/u;
/** Half of a UTF-16 surrogate pair: no file system names a file with one, and it cannot be encoded. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const SIZE_RULE = `must be between 1 byte and ${LIMIT_MB} MB (${bytes(MAX_FILE_BYTES)})`;

/** Body of `POST /api/imports`: the file, and how to read it (DESIGN §9). */
export const createImportBodySchema = z
  .object(
    {
      templateId: z.string(expected('a template id')).refine((id) => findTemplate(id) !== undefined, {
        error: `is not a known template (known: ${listTemplates()
          .map((template) => template.templateId)
          .join(', ')})`,
      }),
      fileName: z
        .string(expected('a file name'))
        .trim()
        .min(1, { error: 'is required' })
        .max(255, { error: 'must be at most 255 characters' })
        .refine((name) => !CONTROL_CHARACTER.test(name), {
          error: 'must not contain control characters (line breaks, tabs, NUL)',
        })
        .refine((name) => !LONE_SURROGATE.test(name), { error: 'must be valid Unicode text' })
        .refine((name) => /\.csv$/i.test(name), { error: 'must end in .csv' }),
      fileSize: z
        .number(expected('a number of bytes'))
        .int({ error: 'must be a whole number of bytes' })
        .min(1, { error: SIZE_RULE })
        .max(MAX_FILE_BYTES, { error: SIZE_RULE }),
      mapping: z
        .record(
          z.string(),
          z.union(
            [
              z.strictObject({ source: z.string(expected('a header of the file')).max(1000) }),
              z.strictObject({ value: z.string(expected('a value for every row')).max(1000) }),
            ],
            {
              error: 'must be {"source": "<a header of the file>"} or {"value": "<one value for every row>"}',
            },
          ),
          expected('an object of template column → {source} or {value}'),
        )
        .optional(),
      formats: z
        .record(
          z.string(),
          z.string(expected('YMD, MDY or DMY')),
          expected('an object of date column → YMD, MDY or DMY'),
        )
        .optional(),
      defaultCountry: z.string(expected('an ISO 3166-1 alpha-2 country code')).optional(),
      /** A check (DESIGN §10): every check runs, nothing is written. */
      dryRun: z.boolean(expected('true or false')).optional(),
    },
    { error: 'expected a JSON object' },
  )
  .superRefine((body, context) => {
    const template = findTemplate(body.templateId);
    if (!template) return;
    for (const issue of readingIssues(template, body)) context.addIssue({ code: 'custom', ...issue });
  })
  .transform(({ formats, ...body }) => ({
    ...body,
    // Checked above: every order is one of DATE_ORDERS.
    ...(formats ? { formats: formats as DateFormats } : {}),
  }));
export type CreateImportBody = z.output<typeof createImportBodySchema>;

/** Body of `POST /api/imports/{importId}/upload/complete`: the ETag each part PUT returned. */
export const completeUploadBodySchema = z.object(
  {
    parts: z
      .array(
        z.object({
          partNumber: z
            .number(expected('a whole number from 1 to 10000'))
            .int({ error: 'must be a whole number from 1 to 10000' })
            .min(1, { error: 'must be a whole number from 1 to 10000' })
            .max(10_000, { error: 'must be a whole number from 1 to 10000' }),
          etag: z
            .string(expected('the ETag the part upload returned'))
            .min(1, { error: 'is required' })
            .max(1024, { error: 'is too long' }),
        }),
        expected('a list of {partNumber, etag}'),
      )
      .min(1, { error: 'must list at least one part' })
      .max(10_000, { error: 'must list at most 10000 parts' })
      .refine((parts) => new Set(parts.map((part) => part.partNumber)).size === parts.length, {
        error: 'must not list a part number twice',
      }),
  },
  { error: 'expected a JSON object' },
);
export type CompleteUploadBody = z.output<typeof completeUploadBodySchema>;

export interface CreatedImport {
  import: Task;
  upload: {
    partSize: number;
    /** When the part URLs stop working. */
    expiresAt: string;
    parts: { partNumber: number; url: string }[];
  };
}

const IMPORTS_SCOPE = 'imports';
const errorsScope = (importId: string) => `errors:${importId}`;

/** Import ids are UUIDs (or similar); anything else cannot exist, so it is a 404 without a lookup. */
const IMPORT_ID = /^[A-Za-z0-9-]{1,64}$/;

export const requireTask = async (tasks: TaskStore, importId: string): Promise<TaskRecord> => {
  const task = IMPORT_ID.test(importId) ? await tasks.get(importId) : undefined;
  if (!task) throw new NotFoundError(`Import ${importId} does not exist.`);
  return task;
};

/** A mapping as stored: sources trimmed (headers are compared trimmed), values as given. */
const trimmedMapping = (mapping: ColumnMapping): ColumnMapping =>
  Object.fromEntries(
    Object.entries(mapping).map(([column, spec]) => [
      column,
      'source' in spec ? { source: spec.source.trim() } : spec,
    ]),
  );

/**
 * Creates a PENDING task and its multipart upload, and returns presigned part URLs that together cover
 * `fileSize` (one per `UPLOAD_PART_BYTES`). The browser PUTs the parts straight to S3.
 */
export const createImport = async (
  deps: ImportsDeps,
  principal: Principal,
  body: CreateImportBody,
): Promise<CreatedImport> => {
  const importId = deps.newId();
  const objectKey = uploadKey(importId, body.fileName);
  const now = deps.now();
  const uploadId = await deps.objects.createMultipartUpload(objectKey, 'text/csv');

  const partCount = Math.ceil(body.fileSize / UPLOAD_PART_BYTES);
  const parts = await Promise.all(
    Array.from({ length: partCount }, async (_, index) => ({
      partNumber: index + 1,
      // Each URL signs its part's length (the last part its own), so S3 refuses a part of any other size.
      url: await deps.objects.presignUploadPart(
        objectKey,
        uploadId,
        index + 1,
        Math.min(UPLOAD_PART_BYTES, body.fileSize - index * UPLOAD_PART_BYTES),
        PART_URL_TTL_SECONDS,
      ),
    })),
  );

  const record: TaskRecord = {
    importId,
    templateId: body.templateId,
    fileName: body.fileName,
    source: TaskSource.UPLOAD,
    status: TaskStatus.PENDING,
    createdBy: principal.username,
    createdAt: now.toISOString(),
    fileSize: body.fileSize,
    processedRows: 0,
    successCount: 0,
    errorCount: 0,
    objectKey,
    uploadId,
    ...(body.mapping && Object.keys(body.mapping).length > 0
      ? { mapping: trimmedMapping(body.mapping) }
      : {}),
    ...(body.formats && Object.keys(body.formats).length > 0 ? { formats: body.formats } : {}),
    ...(body.defaultCountry ? { defaultCountry: body.defaultCountry } : {}),
    ...(body.dryRun ? { dryRun: true as const } : {}),
  };
  let created: boolean;
  try {
    created = await deps.tasks.create(record);
  } catch (error) {
    await abandonUpload(deps, objectKey, uploadId);
    throw error;
  }
  if (!created) {
    await abandonUpload(deps, objectKey, uploadId);
    throw new Error(`Import id ${importId} is already taken`);
  }

  return {
    import: toPublicTask(record),
    upload: {
      partSize: UPLOAD_PART_BYTES,
      expiresAt: new Date(now.getTime() + PART_URL_TTL_SECONDS * 1000).toISOString(),
      parts,
    },
  };
};

/** Best effort: the bucket's lifecycle rule removes incomplete uploads that this misses. */
const abandonUpload = async (deps: ImportsDeps, key: string, uploadId: string): Promise<void> => {
  try {
    await deps.objects.abortMultipartUpload(key, uploadId);
  } catch (error) {
    deps.logger.warn('Could not abort an unused multipart upload', { key, uploadId, error });
  }
};

/** S3 errors that mean the caller sent parts that do not add up; anything else is ours. */
const REJECTED_PARTS: ReadonlySet<string> = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);

const errorName = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

const finishMultipartUpload = async (
  objects: ObjectStore,
  task: TaskRecord & { uploadId: string },
  parts: CompletedPart[],
): Promise<void> => {
  try {
    await objects.completeMultipartUpload(task.objectKey, task.uploadId, parts);
  } catch (error) {
    const name = errorName(error);
    // A retried call after a completion whose answer got lost: S3 has forgotten the upload, the object is there.
    if (name === 'NoSuchUpload') {
      if (await objects.head(task.objectKey)) return;
      throw new ConflictError(
        `The upload of import ${task.importId} is no longer open (it was aborted or expired); start a new import.`,
      );
    }
    if (name && REJECTED_PARTS.has(name)) {
      throw new BadRequestError(
        `S3 refused the parts (${name}): upload every part, then send each part's number and the ETag its upload returned.`,
        { cause: error },
      );
    }
    throw error;
  }
};

/** Why a stored file cannot be imported, judged on its size alone, or undefined when it can. */
export const sizeRejection = storedSizeProblem;

/**
 * Completes the browser's multipart upload (S3 then starts the pipeline) and checks the stored size:
 * over the limit, or not the declared size, ends the task VALIDATION_FAILED. Returns the task as it stands.
 */
export const completeUpload = async (
  deps: ImportsDeps,
  importId: string,
  body: CompleteUploadBody,
): Promise<Task> => {
  const task = await requireTask(deps.tasks, importId);
  if (task.status !== TaskStatus.PENDING) {
    // A retried call whose first answer was lost: the file is stored and the pipeline has moved on.
    if (task.source === 'upload' && (await deps.objects.head(task.objectKey))) return toPublicTask(task);
    throw new ConflictError(`Import ${importId} is not waiting for its file: it is already ${task.status}.`);
  }
  const { uploadId } = task;
  if (uploadId === undefined) {
    throw new ConflictError(`Import ${importId} has no browser upload to complete.`);
  }

  await finishMultipartUpload(deps.objects, { ...task, uploadId }, body.parts);
  const head = await deps.objects.head(task.objectKey);
  if (!head) throw new Error(`Object ${task.objectKey} is missing right after its upload completed`);

  const rejection = sizeRejection(head.size, task.fileSize);
  if (rejection) {
    // Conditional: if validate-file got there first, its verdict stands and this changes nothing.
    await deps.tasks.transition(importId, [TaskStatus.PENDING], TaskStatus.VALIDATION_FAILED, {
      statusReason: rejection,
      endedAt: deps.now().toISOString(),
    });
    // A file refused for its size is never imported: it is not kept for the bucket's 90-day retention.
    await deps.objects.delete(task.objectKey);
  }
  return toPublicTask(await requireTask(deps.tasks, importId));
};

/**
 * Commits a check (DESIGN §10): a new import of the check's stored file with the same mapping, formats and
 * country, linked by `parentImportId`; its file is a copy of the check's, whose arrival starts the
 * pipeline as an upload's does. Only a final check that passed validation can be committed, and once: the
 * check records its commit with a conditional write, so two calls at once start one import, and a call
 * after that answers with that import. A call retried after a failure part-way finishes that same commit.
 */
export const commitCheck = async (
  deps: ImportsDeps,
  principal: Principal,
  importId: string,
): Promise<{ import: Task }> => {
  const check = await requireTask(deps.tasks, importId);
  if (!check.dryRun)
    throw new ConflictError(
      `Import ${importId} is not a check: its rows were imported when it ran. Only a check (created with dryRun: true) can be committed.`,
    );
  if (check.status === TaskStatus.VALIDATION_FAILED) {
    const reason = check.statusReason ? ` (${check.statusReason})` : '';
    throw new ConflictError(
      `Check ${importId} did not pass validation${reason}: there is nothing to commit. Fix the file and check it again.`,
    );
  }
  if (!isFinalStatus(check.status))
    throw new ConflictError(
      `Check ${importId} is still ${check.status}: commit it once it has finished, to import what it found.`,
    );

  const childId = check.committedImportId ?? deps.newId();
  if (check.committedImportId === undefined) {
    const claimed = await deps.tasks.transition(
      importId,
      [check.status],
      check.status,
      { committedImportId: childId },
      ['committedImportId'],
    );
    if (!claimed) return commitCheck(deps, principal, importId);
  }
  const existing = await deps.tasks.get(childId);
  // Committed already (a double click, a retried call whose answer was lost): the same import again.
  if (existing && (await deps.objects.head(existing.objectKey))) return { import: toPublicTask(existing) };

  const record: TaskRecord = existing ?? {
    importId: childId,
    templateId: check.templateId,
    fileName: check.fileName,
    source: TaskSource.UPLOAD,
    status: TaskStatus.PENDING,
    createdBy: principal.username,
    createdAt: deps.now().toISOString(),
    processedRows: 0,
    successCount: 0,
    errorCount: 0,
    objectKey: uploadKey(childId, check.fileName),
    parentImportId: importId,
    // A check of fixes commits as a fix of the same rows, of the check and of what the check fixes.
    ...(check.fixRows === undefined ? {} : { fixRows: check.fixRows, fixAncestors: fixAncestorsOf(check) }),
    ...(check.fileSize === undefined ? {} : { fileSize: check.fileSize }),
    ...(check.mapping ? { mapping: check.mapping } : {}),
    ...(check.formats ? { formats: check.formats } : {}),
    ...(check.defaultCountry ? { defaultCountry: check.defaultCountry } : {}),
  };
  if (record.fixRows !== undefined) {
    const rows = await deps.tasks.getRowNumbers(importId);
    if (!rows) throw new Error(`Check ${importId} of fixes has no record of its rows' numbers`);
    await deps.tasks.putRowNumbers(childId, rows);
  }
  if (!existing) await deps.tasks.create(record);
  await listFix(deps.tasks, record);
  if (!(await deps.objects.head(check.objectKey)))
    throw new ConflictError(`The file of check ${importId} is no longer stored: upload it again.`);
  await deps.objects.copy(check.objectKey, record.objectKey);
  return { import: toPublicTask(record) };
};

/**
 * Cancels an import (DESIGN §10). An upload that has not started (still uploading, or waiting for a slot)
 * ends FAILED at once, nothing imported. An emailed file waiting for a slot, or one being validated or
 * processed, is marked cancelled: validate-file then ends it (when it starts, or instead of planning its
 * chunks), and each chunk not committed yet reports its rows as not
 * imported, so the counts stay exact and finalize ends it. Asking again while it is being cancelled
 * changes nothing; a final import is a 409.
 */
export const cancelImport = async (
  deps: ImportsDeps,
  principal: Principal,
  importId: string,
): Promise<Task> => {
  for (;;) {
    const task = await requireTask(deps.tasks, importId);
    if (isFinalStatus(task.status))
      throw new ConflictError(`Import ${importId} has ended (${task.status}): there is nothing to cancel.`);
    if (task.cancelledBy) return toPublicTask(task);
    const now = deps.now().toISOString();
    const cancel = { cancelledBy: principal.username, cancelledAt: now };
    // An emailed file is stored already and starts as soon as its account has a slot: it is marked, and
    // validate-file ends it when it starts, so its email still gets its reply. An upload not finished
    // may never start: it ends now.
    const endNow = task.status === TaskStatus.PENDING && task.source !== TaskSource.EMAIL;
    const moved = endNow
      ? await deps.tasks.transition(importId, [TaskStatus.PENDING], TaskStatus.FAILED, {
          ...cancel,
          endedAt: now,
          statusReason: `Cancelled by ${principal.username} before it started: nothing was ${task.dryRun ? 'checked' : 'imported'}`,
        })
      : await deps.tasks.transition(importId, [task.status], task.status, cancel, ['cancelledBy']);
    if (moved) {
      if (moved.status === TaskStatus.FAILED && task.uploadId)
        await abandonUpload(deps, task.objectKey, task.uploadId);
      deps.logger.info('Import cancelled', { importId, by: principal.username, status: task.status });
      return toPublicTask(moved);
    }
    // It moved on meanwhile (validation started or ended, or it was cancelled): read it again.
  }
};

/**
 * A task as the API shows it: once it has ended with rows read, with `outstandingRows`, its failed rows
 * that no fix has imported. Read from what its fixes recorded, so it is exact whatever order they end in.
 */
export const withOutstandingRows = async (tasks: TaskStore, task: Task): Promise<Task> => {
  if (!isFinalStatus(task.status) || task.status === TaskStatus.VALIDATION_FAILED || task.errorCount === 0)
    return task;
  const fixed = task.fixImportIds?.length ? (await tasks.listFixedRows(task.importId)).size : 0;
  return { ...task, outstandingRows: Math.max(0, task.errorCount - fixed) };
};

/** Tasks, most recent first. */
export const listImports = async (deps: ImportsDeps, query: PageQuery): Promise<ListPage<Task>> => {
  const page = await deps.tasks.list(query.limit, deps.cursors.decode(IMPORTS_SCOPE, query.cursor));
  return {
    items: await Promise.all(page.items.map((task) => withOutstandingRows(deps.tasks, task))),
    nextCursor: deps.cursors.encode(IMPORTS_SCOPE, page.next),
  };
};

export const getImport = async (deps: ImportsDeps, importId: string): Promise<Task> =>
  withOutstandingRows(deps.tasks, toPublicTask(await requireTask(deps.tasks, importId)));

/** Row errors of one import, in row order. */
export const listImportErrors = async (
  deps: ImportsDeps,
  importId: string,
  query: PageQuery,
): Promise<ListPage<RowError>> => {
  await requireTask(deps.tasks, importId);
  const scope = errorsScope(importId);
  const page = await deps.tasks.listRowErrors(
    importId,
    query.limit,
    deps.cursors.decode(scope, query.cursor),
  );
  return {
    items: page.items.map(({ rowNumber, errorType, message, column }) => ({
      rowNumber,
      errorType,
      message,
      ...(column ? { column } : {}),
    })),
    nextCursor: deps.cursors.encode(scope, page.next),
  };
};

export const LINK_KINDS = ['original', 'exceptions', 'results', 'email'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

export const linkKindSchema = z.enum(LINK_KINDS);

export interface DownloadLink {
  url: string;
  expiresAt: string;
}

const REPORT_LABELS = { exceptions: 'exceptions report', results: 'result data report' } as const;

/** Which object a link points at and the name it downloads as; 404 when it does not exist (yet). */
const linkTarget = async (
  objects: ObjectStore,
  task: TaskRecord,
  kind: LinkKind,
): Promise<{ key: string; downloadName: string }> => {
  const { importId } = task;
  const mustExist = async (key: string, missing: string) => {
    if (!(await objects.head(key))) throw new NotFoundError(missing);
  };
  switch (kind) {
    case 'original': {
      await mustExist(
        task.objectKey,
        task.status === TaskStatus.PENDING
          ? `The file of import ${importId} has not finished uploading yet.`
          : `Import ${importId} has no stored file.`,
      );
      return { key: task.objectKey, downloadName: task.fileName };
    }
    case 'email': {
      if (task.source !== TaskSource.EMAIL || !task.emailKey) {
        throw new NotFoundError(`Import ${importId} did not come from an email, so it has no source email.`);
      }
      await mustExist(task.emailKey, `The source email of import ${importId} is no longer stored.`);
      return { key: task.emailKey, downloadName: 'email.eml' };
    }
    case 'exceptions':
    case 'results': {
      const label = REPORT_LABELS[kind];
      if (task.status === TaskStatus.VALIDATION_FAILED) {
        const reason = task.statusReason ? ` (${task.statusReason})` : '';
        throw new NotFoundError(
          `Import ${importId} did not pass validation${reason}, so it has no ${label}.`,
        );
      }
      if (!isFinalStatus(task.status)) {
        throw new NotFoundError(
          `The ${label} of import ${importId} is not ready yet: the import is ${task.status}.`,
        );
      }
      const key = kind === 'exceptions' ? exceptionsKey(importId) : resultsKey(importId);
      await mustExist(key, `Import ${importId} has no ${label}.`);
      return { key, downloadName: reportDownloadName(task.fileName, kind) };
    }
  }
};

/** A presigned GET for the original file, a report or the source email, valid `LINK_TTL_SECONDS`. */
export const createImportLink = async (
  deps: ImportsDeps,
  importId: string,
  kind: LinkKind,
): Promise<DownloadLink> => {
  const task = await requireTask(deps.tasks, importId);
  const target = await linkTarget(deps.objects, task, kind);
  // Taken before signing, so the advertised expiry is never later than the real one.
  const expiresAt = new Date(deps.now().getTime() + LINK_TTL_SECONDS * 1000).toISOString();
  const url = await deps.objects.presignGet(target.key, LINK_TTL_SECONDS, target.downloadName);
  return { url, expiresAt };
};
