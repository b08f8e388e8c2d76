import { z } from 'zod';
import { columnMappingSchema, dateFormatsSchema } from '../model';
import { normalizeHeaderName, REPORT_COLUMNS } from '../templates';

/**
 * Saved mappings (DESIGN §9): an import created with a mapping saves it for its template and its header,
 * the header's normalised names in order. A file with the same header (an emailed one, an exceptions report
 * of an import made with it) is read with it again. The exceptions report's own trailing columns and the
 * blank cells spreadsheets pad a header with are not part of the names, so a report finds its mapping.
 */

export const savedMappingSchema = z.object({
  mappingId: z.string(),
  templateId: z.string(),
  /** The normalised header names the mapping is for. */
  header: z.array(z.string()),
  mapping: columnMappingSchema,
  formats: dateFormatsSchema.optional(),
  defaultCountry: z.string().optional(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type SavedMapping = z.infer<typeof savedMappingSchema>;

const REPORT_NAMES: ReadonlySet<string> = new Set(REPORT_COLUMNS);

/** A header's names as saved mappings key them. */
export const mappingHeader = (header: readonly string[]): string[] => {
  const names = header.map(normalizeHeaderName).filter((name) => !REPORT_NAMES.has(name));
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  return names;
};
