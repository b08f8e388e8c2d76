import { z } from 'zod';
import { DATE_ORDERS } from './mapping/dates';

/** Task statuses exactly as DESIGN §3 pins them (API values). */
export const TaskStatus = {
  PENDING: 'PENDING',
  VALIDATING: 'VALIDATING',
  PROCESSING: 'PROCESSING',
  COMPLETED: 'COMPLETED',
  PARTIAL_SUCCESS: 'PARTIAL_SUCCESS',
  FAILED: 'FAILED',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOTHING_TO_IMPORT: 'NOTHING_TO_IMPORT',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

export const taskStatusSchema = z.enum(Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]]);

export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  TaskStatus.COMPLETED,
  TaskStatus.PARTIAL_SUCCESS,
  TaskStatus.FAILED,
  TaskStatus.VALIDATION_FAILED,
  TaskStatus.NOTHING_TO_IMPORT,
]);

export const isFinalStatus = (status: TaskStatus): boolean => FINAL_STATUSES.has(status);

/** Row error types exactly as DESIGN §4 pins them. */
export const ErrorType = {
  REQUIRED: 'REQUIRED',
  INVALID_FORMAT: 'INVALID_FORMAT',
  INVALID_VALUE: 'INVALID_VALUE',
  TOO_LONG: 'TOO_LONG',
  COLUMN_COUNT: 'COLUMN_COUNT',
  DUPLICATE_IN_FILE: 'DUPLICATE_IN_FILE',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  SYSTEM: 'SYSTEM',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];
export const errorTypeSchema = z.enum(Object.values(ErrorType) as [ErrorType, ...ErrorType[]]);

/** One problem with one row. A row with several problems has several of these. */
export const rowErrorSchema = z.object({
  rowNumber: z.number().int().min(2),
  errorType: errorTypeSchema,
  message: z.string(),
  column: z.string().optional(),
});
export type RowError = z.infer<typeof rowErrorSchema>;

export const TaskSource = { UPLOAD: 'upload', EMAIL: 'email' } as const;
export type TaskSource = (typeof TaskSource)[keyof typeof TaskSource];

/** Hard limit on one file, in bytes (200 MB as DESIGN §6 defines it: 209,715,200). */
export const MAX_FILE_BYTES = 209_715_200;

/** A date column's order (DESIGN §9): year, month and day first. */
export const dateOrderSchema = z.enum(DATE_ORDERS);

/** Where a template column's values come from (DESIGN §9): a header of the file, or one value for every row. */
export const columnSourceSchema = z.union([
  z.strictObject({ source: z.string() }),
  z.strictObject({ value: z.string() }),
]);
export type ColumnSource = z.infer<typeof columnSourceSchema>;
export const columnMappingSchema = z.record(z.string(), columnSourceSchema);
export type ColumnMapping = z.infer<typeof columnMappingSchema>;
export const dateFormatsSchema = z.record(z.string(), dateOrderSchema);
export type DateFormats = z.infer<typeof dateFormatsSchema>;

/** What validation found in the file: its encoding, delimiter, and each date column's order read from it. */
export const detectedSchema = z.object({
  encoding: z.string(),
  delimiter: z.string(),
  formats: z.record(z.string(), dateOrderSchema.nullable()),
});

/** The public shape of an import task (DESIGN §6). */
export const taskSchema = z.object({
  importId: z.string(),
  templateId: z.string(),
  fileName: z.string(),
  source: z.enum([TaskSource.UPLOAD, TaskSource.EMAIL]),
  email: z.object({ from: z.string(), subject: z.string(), receivedAt: z.string() }).optional(),
  status: taskStatusSchema,
  statusReason: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  fileSize: z.number().int().nonnegative().optional(),
  totalRows: z.number().int().nonnegative().optional(),
  processedRows: z.number().int().nonnegative(),
  successCount: z.number().int().nonnegative(),
  errorCount: z.number().int().nonnegative(),
  /** How the file was read (DESIGN §9), as used: given at create, saved for its header, or matched. */
  mapping: columnMappingSchema.optional(),
  formats: dateFormatsSchema.optional(),
  defaultCountry: z.string().optional(),
  detected: detectedSchema.optional(),
  /** A check (DESIGN §10): every check of an import ran, and no record was written. */
  dryRun: z.literal(true).optional(),
  /** The check this import commits (or, later, the import whose failed rows it fixes). */
  parentImportId: z.string().optional(),
  /** The import that committed this check, once one did. */
  committedImportId: z.string().optional(),
  /**
   * Who cancelled the import, and when (DESIGN §10): set when the cancel is asked for, so an import still
   * processing with these set is being cancelled; chunks not committed by then are not committed.
   */
  cancelledBy: z.string().optional(),
  cancelledAt: z.string().optional(),
  /**
   * A fix import (DESIGN §10): how many failed rows of its parent (`parentImportId`) it carries. Its errors
   * and reports use the parent's row numbers.
   */
  fixRows: z.number().int().positive().optional(),
  /** The fix imports of this import, of its fixes included (fixes of fixes), in the order they were made. */
  fixImportIds: z.array(z.string()).optional(),
  /** Failed rows of an ended import that no fix has imported yet (read when the task is read). */
  outstandingRows: z.number().int().nonnegative().optional(),
  /** For an upsert template: rows that created a record and rows that updated one (or would, in a check). */
  createdCount: z.number().int().nonnegative().optional(),
  updatedCount: z.number().int().nonnegative().optional(),
});
export type Task = z.infer<typeof taskSchema>;

/**
 * What the pipeline keeps about a task beyond its public shape. Never returned by the API as is:
 * `toPublicTask` strips it.
 */
export const taskRecordSchema = taskSchema.extend({
  /** S3 key of the original file (`uploads/{importId}/{file}`). */
  objectKey: z.string(),
  /** Multipart upload id while the browser is uploading. */
  uploadId: z.string().optional(),
  /** S3 key the chunk workers read: the original, or its UTF-8 transcoding under `work/`. */
  dataKey: z.string().optional(),
  chunkCount: z.number().int().nonnegative().optional(),
  chunksDone: z.number().int().nonnegative().optional(),
  /** Indexes of the chunks counted on the task (a number set in DynamoDB, so it may come back as a Set). */
  countedChunks: z
    .preprocess(
      (value) => (value instanceof Set ? [...value] : value),
      z.array(z.number().int().nonnegative()),
    )
    .optional(),
  /** Failed rows that failed with SYSTEM errors: rows of chunks given up on (included in errorCount). */
  systemErrorCount: z.number().int().nonnegative().optional(),
  /** When the watchdog last re-sent the finalize message of a task whose chunks were all counted. */
  finalizeResentAt: z.string().optional(),
  /** When the import began waiting for a free slot of its account (it stays PENDING until it gets one). */
  waitingSince: z.string().optional(),
  /**
   * Chunks of the import on the queue at once (its share of the workers, DESIGN §11): validation sends the
   * first `chunkWindow`, and counting chunk i sends chunk i + chunkWindow. Absent: every chunk was sent at
   * once (imports planned before windows existed).
   */
  chunkWindow: z.number().int().positive().optional(),
  /** Set once every chunk message has been sent, so a redelivered validation does not resend them. */
  chunksEnqueued: z.boolean().optional(),
  /**
   * Of a fix import: the imports whose failed rows it fixes, nearest first (its parent, that one's parent
   * while it is a fix too, …). What it imports is counted as fixed on each.
   */
  fixAncestors: z.array(z.string()).optional(),
  /** Raw email object key (`inbound/{messageId}`) for email imports. */
  emailKey: z.string().optional(),
  /** Header of the file as written (for the exceptions report), and its delimiter. */
  header: z.array(z.string()).optional(),
  updatedAt: z.string().optional(),
});
export type TaskRecord = z.infer<typeof taskRecordSchema>;

export const toPublicTask = (record: TaskRecord): Task => {
  const {
    objectKey: _objectKey,
    uploadId: _uploadId,
    dataKey: _dataKey,
    chunkCount: _chunkCount,
    chunksDone: _chunksDone,
    countedChunks: _countedChunks,
    systemErrorCount: _systemErrorCount,
    finalizeResentAt: _finalizeResentAt,
    chunksEnqueued: _chunksEnqueued,
    waitingSince: _waitingSince,
    chunkWindow: _chunkWindow,
    emailKey: _emailKey,
    fixAncestors: _fixAncestors,
    header: _header,
    updatedAt: _updatedAt,
    ...task
  } = record;
  return taskSchema.parse(task);
};

/** Delimiters the importer recognises. */
export const delimiterSchema = z.enum([',', ';', '\t']);
export type Delimiter = z.infer<typeof delimiterSchema>;

/** A byte range of records the chunk worker imports: one SQS message on the chunks queue. */
export const chunkMessageSchema = z.object({
  kind: z.literal('chunk'),
  /** The account of the import (set by the account's queue); absent in messages sent before accounts. */
  account: z.string().optional(),
  importId: z.string(),
  templateId: z.string(),
  chunkIndex: z.number().int().nonnegative(),
  chunkCount: z.number().int().positive(),
  /** S3 key to read (UTF-8 data). */
  dataKey: z.string(),
  /** Inclusive start and exclusive end byte offsets, always at record boundaries. */
  start: z.number().int().nonnegative(),
  end: z.number().int().positive(),
  /** Spreadsheet row number of the first record in the range. */
  firstRowNumber: z.number().int().min(2),
  /**
   * Data rows in the range (blank records excluded) and the row numbers of its blank records: what a chunk
   * that cannot be read any more is counted as when it is given up. Absent in messages planned before
   * they existed, so those still parse.
   */
  rowCount: z.number().int().nonnegative().optional(),
  blankRows: z.array(z.number().int()).optional(),
  delimiter: delimiterSchema,
  /**
   * Where the rest of the chunk's plan is in the import's manifest (`manifest.ts`): bytes [0, headerEnd)
   * hold the file's header and column map, bytes [start, end) this chunk's duplicates. A file's header can
   * hold anything a CSV cell can, and SQS refuses some characters, so a message carries numbers and our
   * own ids only, and stays small whatever the file's width.
   */
  plan: z
    .object({
      headerEnd: z.number().int().positive(),
      start: z.number().int().nonnegative(),
      end: z.number().int().positive(),
    })
    .optional(),
  /** Columns of the file's own in the exceptions report: the width of a row given up without its plan. */
  reportColumns: z.number().int().nonnegative().optional(),
  /** Records longer than the per-record cap: skipped by byte range and reported as TOO_LONG. */
  oversized: z.array(
    z.object({ rowNumber: z.number().int(), start: z.number().int(), end: z.number().int() }),
  ),
  /** Messages planned before `plan` existed carry the plan itself (see `chunkPlanSchema`). */
  header: z.array(z.string()).optional(),
  columnMap: z.array(z.string().nullable()).optional(),
  duplicates: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
});
export type ChunkMessage = z.infer<typeof chunkMessageSchema>;

/** What a chunk needs beyond its message: kept in the manifest, read by the worker with two ranged GETs. */
export const chunkPlanSchema = z.object({
  /** File's header, as written, and the template column each position maps to (null: ignored column). */
  header: z.array(z.string()),
  columnMap: z.array(z.string().nullable()),
  /** Rows in this range whose key appeared on an earlier row of the file: row → first row with that key. */
  duplicates: z.array(z.tuple([z.number().int(), z.number().int()])),
  /** How values are read (DESIGN §9): columns given one value for every row, date orders, phone country. */
  constants: z.record(z.string(), z.string()).optional(),
  formats: dateFormatsSchema.optional(),
  defaultCountry: z.string().optional(),
});
export type ChunkPlan = z.infer<typeof chunkPlanSchema>;

/** A chunk message with its plan: what process-chunk, the give-up and the watchdog work on. */
export type PlannedChunk = ChunkMessage & ChunkPlan;

/**
 * The finalize queue's two steps, each reached by its own message: `finalize` (sent once the last chunk is
 * counted) writes the reports and the final status; `reply` (sent by whatever ended an emailed task) answers
 * the email once every task of it is final.
 */
export const finalizeMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('finalize'), account: z.string().optional(), importId: z.string() }),
  z.object({ kind: z.literal('reply'), account: z.string().optional(), importId: z.string() }),
]);
export type FinalizeMessage = z.infer<typeof finalizeMessageSchema>;

/**
 * Sent to the intake queue beside S3's notifications: the import whose file is `objectKey` (as its account
 * sees it) may start now, after waiting for a free slot of its account.
 */
export const startMessageSchema = z.object({
  kind: z.literal('start'),
  account: z.string().optional(),
  objectKey: z.string(),
});
export type StartMessage = z.infer<typeof startMessageSchema>;

/** What one chunk produced, stored compactly in one item per chunk (not one per row). */
export const chunkResultSchema = z.object({
  importId: z.string(),
  chunkIndex: z.number().int().nonnegative(),
  firstRowNumber: z.number().int(),
  rowCount: z.number().int().nonnegative(),
  successCount: z.number().int().nonnegative(),
  errorCount: z.number().int().nonnegative(),
  errors: z.array(rowErrorSchema),
  /** Of `successCount`, for an upsert template: rows that created a record, and rows that updated one. */
  createdCount: z.number().int().nonnegative().optional(),
  updatedCount: z.number().int().nonnegative().optional(),
  /**
   * The attempt that produced it (a processing or a give-up of the chunk): its report parts and error
   * pages are keyed by it, so outputs of two attempts never mix. Absent in results stored before.
   */
  attempt: z.string().optional(),
});
export type ChunkResult = z.infer<typeof chunkResultSchema>;
