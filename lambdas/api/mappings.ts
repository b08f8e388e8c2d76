import { z } from 'zod';
import { NotFoundError } from '../shared/errors';
import { MAX_SAMPLE_ROWS, type Match, matchColumns, type SavedReading } from '../shared/mapping/match';
import { mappingHeader, type SavedMapping } from '../shared/mapping/saved';
import { mappingIdOf } from '../shared/mapping/saved-id';
import { findTemplate, type TemplateDefinition } from '../shared/templates';
import type { AccountApiDeps } from './api-types';

/**
 * Matching a file's header to a template, and the account's saved mappings (DESIGN §9). The console
 * sends the header and first rows it read in the browser; nothing of the file is stored.
 */

export type MappingsDeps = Pick<AccountApiDeps, 'mappings'>;

const MAX_HEADER_CELLS = 1000;
const MAX_CELL_CHARS = 1000;

const cell = z
  .string({ error: 'must be text' })
  .max(MAX_CELL_CHARS, { error: `must be at most ${MAX_CELL_CHARS} characters` });

/** Body of `POST /api/templates/{templateId}/match`. */
export const matchBodySchema = z.object(
  {
    header: z
      .array(cell, { error: "must be the list of the file's header cells" })
      .min(1, { error: 'must have at least one cell' })
      .max(MAX_HEADER_CELLS, { error: `must have at most ${MAX_HEADER_CELLS} cells` }),
    rows: z
      .array(z.array(cell).max(MAX_HEADER_CELLS, { error: `must have at most ${MAX_HEADER_CELLS} cells` }), {
        error: 'must be a list of rows, each a list of cells',
      })
      .max(MAX_SAMPLE_ROWS, { error: `must have at most ${MAX_SAMPLE_ROWS} rows` })
      .optional(),
  },
  { error: 'expected a JSON object' },
);
export type MatchBody = z.output<typeof matchBodySchema>;

/** `Match` (DESIGN §9), with the saved mapping it used, so the preview can fill in its values and choices. */
export interface MatchAnswer extends Match {
  savedMapping?: SavedMapping;
}

const requireTemplate = (templateId: string): TemplateDefinition => {
  const template = findTemplate(templateId);
  if (!template) throw new NotFoundError(`Template ${templateId} does not exist.`);
  return template;
};

const savedReading = (saved: SavedMapping): SavedReading => ({
  sources: Object.fromEntries(
    Object.entries(saved.mapping).flatMap(([column, spec]) =>
      'source' in spec ? [[column, spec.source]] : [],
    ),
  ),
  ...(saved.formats ? { formats: saved.formats } : {}),
});

export const matchTemplate = async (
  deps: MappingsDeps,
  templateId: string,
  body: MatchBody,
): Promise<MatchAnswer> => {
  const template = requireTemplate(templateId);
  const saved = await deps.mappings.get(template.templateId, mappingIdOf(mappingHeader(body.header)));
  const match = matchColumns(template, body.header, body.rows ?? [], saved ? savedReading(saved) : undefined);
  return saved ? { ...match, savedMapping: saved } : match;
};

export const listMappings = async (
  deps: MappingsDeps,
  templateId: string,
): Promise<{ items: SavedMapping[] }> => {
  const template = requireTemplate(templateId);
  return { items: await deps.mappings.list(template.templateId) };
};

const MAPPING_ID = /^[0-9a-f]{32}$/;

export const deleteMapping = async (
  deps: MappingsDeps,
  templateId: string,
  mappingId: string,
): Promise<void> => {
  const template = requireTemplate(templateId);
  const deleted = MAPPING_ID.test(mappingId) && (await deps.mappings.delete(template.templateId, mappingId));
  if (!deleted) throw new NotFoundError(`No saved mapping ${mappingId} for template ${template.templateId}.`);
};
