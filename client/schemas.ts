import { z } from 'zod';
import { DATE_ORDERS } from '../lambdas/shared/mapping/dates';
import { savedMappingSchema } from '../lambdas/shared/mapping/saved';
import { taskSchema } from '../lambdas/shared/model';
import type { TemplateSummary } from '../lambdas/shared/templates/types';

/**
 * What the API answers, checked at the edge: the backend's own schemas where it has them (tasks, row
 * errors, email settings), so the console and the API cannot disagree about a shape.
 */

/** The API's task and row-error shapes are the backend's own schemas. */
export { rowErrorSchema, taskSchema } from '../lambdas/shared/model';

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

/** A failed row as the console's grid edits it (DESIGN §10). */
export const failedRowSchema = z.object({
  rowNumber: z.number().int(),
  values: z.record(z.string(), z.string()),
  errors: z.array(z.object({ errorType: z.string(), message: z.string(), column: z.string().optional() })),
  /** The fix import that has imported the row since, when one has. */
  importedBy: z.string().optional(),
});
export type FailedRow = z.infer<typeof failedRowSchema>;

/** An import the API started from one it holds (a check's commit): no upload to make. */
export const createdTaskSchema = z.object({ import: taskSchema });

export const linkSchema = z.object({ url: z.string(), expiresAt: z.string() });
export type DownloadLink = z.infer<typeof linkSchema>;

export const LINK_KINDS = ['original', 'exceptions', 'results', 'email'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/** DESIGN §6 `EmailSettings`, the backend's own schema. */
export { type EmailSettings, emailSettingsSchema } from '../lambdas/shared/email-settings';

/** A saved mapping (DESIGN §9), the backend's own schema. */
export { type SavedMapping, savedMappingSchema } from '../lambdas/shared/mapping/saved';

const dateOrder = z.enum(DATE_ORDERS);

/** `POST /api/templates/{templateId}/match` (DESIGN §9 `Match`), with the saved mapping it used. */
export const matchSchema = z.object({
  columns: z.array(
    z.object({ name: z.string(), source: z.string().nullable(), confidence: z.number(), saved: z.boolean() }),
  ),
  ignored: z.array(z.string()),
  missingRequired: z.array(z.string()),
  formats: z.record(z.string(), z.object({ format: dateOrder.nullable(), candidates: z.array(dateOrder) })),
  savedMapping: savedMappingSchema.optional(),
});
export type MatchAnswer = z.infer<typeof matchSchema>;

export const mappingsSchema = z.object({ items: z.array(savedMappingSchema) });

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
