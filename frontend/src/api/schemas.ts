import { z } from 'zod';
import type { ErrorType, RowError, Task, TaskStatus } from '../../../lambdas/shared/model';
import type { TemplateSummary } from '../../../lambdas/shared/templates/types';

/**
 * What the API answers, checked at the edge. The console imports only types from the backend; each
 * schema is declared against the backend's type, so a change there fails the console's type-check.
 */

const STATUSES = [
  'PENDING',
  'VALIDATING',
  'PROCESSING',
  'COMPLETED',
  'PARTIAL_SUCCESS',
  'FAILED',
  'VALIDATION_FAILED',
  'NOTHING_TO_IMPORT',
] as const satisfies readonly TaskStatus[];

const ERROR_TYPES = [
  'REQUIRED',
  'INVALID_FORMAT',
  'INVALID_VALUE',
  'TOO_LONG',
  'COLUMN_COUNT',
  'DUPLICATE_IN_FILE',
  'ALREADY_EXISTS',
  'SYSTEM',
] as const satisfies readonly ErrorType[];

const count = z.number().int().nonnegative();

export const taskSchema: z.ZodType<Task> = z.object({
  importId: z.string(),
  templateId: z.string(),
  fileName: z.string(),
  source: z.enum(['upload', 'email']),
  email: z.object({ from: z.string(), subject: z.string(), receivedAt: z.string() }).optional(),
  status: z.enum(STATUSES),
  statusReason: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  fileSize: count.optional(),
  totalRows: count.optional(),
  processedRows: count,
  successCount: count,
  errorCount: count,
});

export const templateSchema: z.ZodType<TemplateSummary> = z.object({
  templateId: z.string(),
  name: z.string(),
  description: z.string(),
  mode: z.enum(['insert', 'upsert']),
  key: z.string(),
  columns: z.array(
    z.object({ name: z.string(), required: z.boolean(), description: z.string(), example: z.string() }),
  ),
});

export const rowErrorSchema: z.ZodType<RowError> = z.object({
  rowNumber: z.number().int(),
  errorType: z.enum(ERROR_TYPES),
  message: z.string(),
  column: z.string().optional(),
});

/** A page of a cursor-paged list (`nextCursor` absent or null on the last page). */
export const pageSchema = <Item extends z.ZodType>(item: Item) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullish() });

export interface Page<Item> {
  items: Item[];
  nextCursor?: string | null | undefined;
}

export const templatesSchema = z.object({ items: z.array(templateSchema) });

export const createdImportSchema = z.object({
  import: taskSchema,
  upload: z.object({
    partSize: z.number().int().positive(),
    parts: z.array(z.object({ partNumber: z.number().int().positive(), url: z.string() })),
  }),
});
export type CreatedImport = z.infer<typeof createdImportSchema>;

export const linkSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type DownloadLink = z.infer<typeof linkSchema>;

export const LINK_KINDS = ['original', 'exceptions', 'results', 'email'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** DESIGN §6 `EmailSettings`. */
export const emailSettingsSchema = z.object({
  enabled: z.boolean(),
  addresses: z.array(z.object({ address: z.string(), templateId: z.string() })),
  allowedSenders: z.array(z.string()),
  replyToSender: z.boolean(),
});
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
