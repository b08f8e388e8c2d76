import { HEAD_BYTES, readFileHead } from '../shared/csv';
import { FileRejectedError } from '../shared/errors';
import { columnLabel } from '../shared/mapping/convert';
import {
  type ColumnOrder,
  columnOrderProblem,
  DATE_ORDER_WORDS,
  type DateOrder,
} from '../shared/mapping/dates';
import { AUTO_IMPORT_CONFIDENCE, type Match, matchColumns } from '../shared/mapping/match';
import { mappingHeader } from '../shared/mapping/saved';
import { mappingIdOf } from '../shared/mapping/saved-id';
import { type ColumnMapping, type DateFormats, type TaskRecord, TaskSource } from '../shared/model';
import type { MappingStore, ObjectStore } from '../shared/ports';
import { matchHeader, type TemplateDefinition } from '../shared/templates';

/**
 * How validate-file reads a file (DESIGN §9): the mapping, date orders and default country the import was
 * created with; for an emailed file, the account's saved mapping for its header, else the automatic match
 * when it places every required column with confidence ≥ 0.9; else the template's own names (§4).
 */

export interface FileReading {
  mapping?: ColumnMapping;
  formats?: DateFormats;
  defaultCountry?: string;
  /** Where it came from: given at create, saved for the header, matched automatically, or names only. */
  origin: 'given' | 'saved' | 'matched' | 'names';
}

export interface ReadingDeps {
  objects: ObjectStore;
  mappings: MappingStore;
}

const given = (task: TaskRecord): FileReading | undefined =>
  task.mapping || task.formats || task.defaultCountry
    ? {
        ...(task.mapping ? { mapping: task.mapping } : {}),
        ...(task.formats ? { formats: task.formats } : {}),
        ...(task.defaultCountry ? { defaultCountry: task.defaultCountry } : {}),
        origin: 'given',
      }
    : undefined;

/** The reading of the file of `task`; throws `FileRejectedError` for an emailed file no mapping fits. */
export const chooseReading = async (
  deps: ReadingDeps,
  task: TaskRecord,
  template: TemplateDefinition,
  fileSize: number,
): Promise<FileReading> => {
  const fromTask = given(task);
  if (fromTask) return fromTask;
  if (task.source !== TaskSource.EMAIL) return { origin: 'names' };
  const bytes = await deps.objects.getRange(task.objectKey, 0, Math.min(fileSize, HEAD_BYTES));
  const read = readFileHead(bytes, fileSize <= HEAD_BYTES);
  // A file that is not CSV at all: the pass refuses it with the same reason.
  if (!read.ok) return { origin: 'names' };
  const { header, rows } = read.head;
  const saved = await deps.mappings.get(template.templateId, mappingIdOf(mappingHeader(header)));
  if (saved) {
    return {
      mapping: saved.mapping,
      ...(saved.formats ? { formats: saved.formats } : {}),
      ...(saved.defaultCountry ? { defaultCountry: saved.defaultCountry } : {}),
      origin: 'saved',
    };
  }
  if (matchHeader(template, header).missingRequired.length === 0) return { origin: 'names' };
  const match = matchColumns(template, header, rows);
  const unsure = match.columns.filter(
    (column) =>
      template.columns.some((each) => each.name === column.name && each.required) &&
      (column.source === null || column.confidence < AUTO_IMPORT_CONFIDENCE),
  );
  if (unsure.length > 0) throw new FileRejectedError(unmatchedReason(template, match, unsure));
  const mapping: ColumnMapping = {};
  for (const column of match.columns)
    if (column.source !== null) mapping[column.name] = { source: column.source };
  return { mapping, origin: 'matched' };
};

const percent = (confidence: number): string => `${Math.round(confidence * 100)}% sure`;

/** Why an emailed file was not imported by an automatic match: the columns it could not place, and guesses. */
const unmatchedReason = (template: TemplateDefinition, match: Match, unsure: Match['columns']): string => {
  const placed = unsure.map((column) =>
    column.source === null
      ? `${column.name} (no column of the file looks like it)`
      : `${column.name} (best guess "${column.source}", ${percent(column.confidence)})`,
  );
  const sure = match.columns
    .filter((column) => column.source !== null && !unsure.includes(column))
    .map((column) => `${column.name} ← "${column.source}"`);
  return (
    `The file's columns are not the ${template.name} template's, and no mapping is saved for its header. ` +
    `Could not place with confidence: ${placed.join('; ')}.${sure.length > 0 ? ` Placed: ${sure.join(', ')}.` : ''} ` +
    'Import the file once from the console and choose its columns there: later files with the same header are read with that mapping.'
  );
};

export interface ResolvedOrders {
  /** The order each date column is read in (columns written ISO only need none). */
  formats: DateFormats;
  /** What the whole column showed: its one order, or null. */
  detected: Record<string, DateOrder | null>;
  /** Why the file cannot be read without an order being chosen, one sentence per column. */
  problems: string[];
}

/**
 * Each date column's order (DESIGN §9): the one given (at create or with the saved mapping), else the one
 * order the whole column fits. A column that fits several, or none of them, needs a choice.
 */
export const resolveOrders = (
  dateOrders: Readonly<Record<string, ColumnOrder>>,
  reading: FileReading,
): ResolvedOrders => {
  const formats: DateFormats = {};
  const detected: Record<string, DateOrder | null> = {};
  const problems: string[] = [];
  for (const [column, order] of Object.entries(dateOrders)) {
    detected[column] = order.kind === 'one' ? order.order : null;
    const chosen = reading.formats?.[column];
    if (chosen) formats[column] = chosen;
    else if (order.kind === 'one') formats[column] = order.order;
    else if (order.kind !== 'iso') {
      const options = (order.kind === 'ambiguous' ? order.orders : (['YMD', 'MDY', 'DMY'] as const))
        .map((each) => `"${each}" (${DATE_ORDER_WORDS[each].words})`)
        .join(' or ');
      problems.push(
        `${columnOrderProblem(columnLabel(column), order)}. Choose it in the console's preview, or create the import with formats.${column} set to ${options}`,
      );
    }
  }
  return { formats, detected, problems };
};
