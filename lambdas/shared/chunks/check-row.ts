import { formatSize, isBlankCell } from '../csv';
import { cellValue } from '../csv-cells';
import { convertValues, type ValueConverter, valueConverters } from '../mapping/convert';
import { ErrorType, type PlannedChunk, type RowError } from '../model';
import {
  isExceptionsReportHeader,
  type RowProblem,
  type TemplateDefinition,
  validateRow,
} from '../templates';
import type { ChunkRow } from './read-rows';

/**
 * Checks one row against the header, the template and the file's duplicate list. A row with several
 * problems gets one RowError per problem; a row with the wrong number of values gets only that one,
 * since its values cannot be trusted to be in their columns.
 */

export interface CheckedRow {
  rowNumber: number;
  /** Cells as parsed, untrimmed: what the exceptions report shows. */
  cells: string[];
  /** The key column's raw cell, for the results report. */
  rawKey: string;
  errors: RowError[];
  /** Present when the row is valid and is the file's first with its key: what to write. */
  write?: { key: string; record: Record<string, unknown> };
}

/** What is fixed for every row of a chunk: prepared once. */
export interface ChunkContext {
  template: TemplateDefinition;
  message: PlannedChunk;
  /** Header width without trailing blank names (spreadsheets pad rows and headers with empty cells). */
  headerWidth: number;
  keyField: number;
  /** Row → first row with the same key. */
  duplicates: ReadonlyMap<number, number>;
  maxRecordBytes: number;
  /** A re-uploaded exceptions report: its cells' formula neutralisation is undone. */
  fromReport: boolean;
  /** Columns the mapping fills with one value for every row. */
  constants: readonly (readonly [string, string])[];
  /** Dates in their column's order and national phone numbers, read before the rules see them. */
  converters: readonly ValueConverter[];
}

export const chunkContext = (
  template: TemplateDefinition,
  message: PlannedChunk,
  maxRecordBytes: number,
): ChunkContext => ({
  template,
  message,
  headerWidth: widthWithoutTrailingBlanks(message.header, 0),
  keyField: message.columnMap.indexOf(template.key),
  duplicates: new Map(message.duplicates),
  maxRecordBytes,
  fromReport: isExceptionsReportHeader(message.header),
  constants: Object.entries(message.constants ?? {}).map(
    ([column, value]) => [column, value.trim()] as const,
  ),
  converters: valueConverters(template, {
    ...(message.formats ? { formats: message.formats } : {}),
    ...(message.defaultCountry ? { defaultCountry: message.defaultCountry } : {}),
  }),
});

/** Cells counted up to the last non-blank one, but never fewer than `floor`. */
const widthWithoutTrailingBlanks = (cells: readonly string[], floor: number): number => {
  let width = cells.length;
  while (width > floor && isBlankCell(cells[width - 1] ?? '')) width -= 1;
  return width;
};

const toRowError = (rowNumber: number, problem: RowProblem): RowError => ({
  rowNumber,
  errorType: problem.errorType,
  message: problem.message,
  ...(problem.column ? { column: problem.column } : {}),
});

const NOTHING_UNREAD: readonly RowProblem[] = [];

/**
 * A row's errors: values that could not be read, then the rules' problems; a value that could not be read
 * is reported as such, not again as missing by its column's rule. Every row passes here, so a valid row
 * allocates nothing but its (empty, growable) list.
 */
const rowErrors = (
  rowNumber: number,
  unread: readonly RowProblem[],
  ruled: readonly RowProblem[],
): RowError[] => {
  const errors: RowError[] = [];
  for (const problem of unread) errors.push(toRowError(rowNumber, problem));
  for (const problem of ruled) {
    if (unread.length === 0 || !unread.some((each) => each.column === problem.column))
      errors.push(toRowError(rowNumber, problem));
  }
  return errors;
};

export const checkRow = (context: ChunkContext, row: ChunkRow): CheckedRow => {
  const { rowNumber } = row;
  if (row.kind === 'oversized') {
    return {
      rowNumber,
      cells: [],
      rawKey: '',
      errors: [
        {
          rowNumber,
          errorType: ErrorType.TOO_LONG,
          message: `Row is ${formatSize(row.bytes)}; the limit for one row is ${formatSize(context.maxRecordBytes)}`,
        },
      ],
    };
  }
  const { cells } = row;
  const rawKey = context.keyField >= 0 ? (cells[context.keyField] ?? '') : '';
  const checked = { rowNumber, cells, rawKey };
  if (row.kind === 'malformed') return { ...checked, errors: [toRowError(rowNumber, row.problem)] };

  const width = widthWithoutTrailingBlanks(cells, context.headerWidth);
  if (width !== context.headerWidth) {
    return {
      ...checked,
      errors: [
        {
          rowNumber,
          errorType: ErrorType.COLUMN_COUNT,
          message: `Row has ${width} values but the header has ${context.headerWidth} columns`,
        },
      ],
    };
  }

  const values: Record<string, string | undefined> = {};
  context.message.columnMap.forEach((column, index) => {
    if (column === null) return;
    const value = cellValue(cells[index] ?? '', context.fromReport);
    values[column] = value === '' ? undefined : value;
  });
  for (const [column, value] of context.constants) values[column] = value === '' ? undefined : value;
  const unread = context.converters.length > 0 ? convertValues(context.converters, values) : NOTHING_UNREAD;
  const outcome = validateRow(context.template, values);
  const errors = rowErrors(rowNumber, unread, outcome.ok ? NOTHING_UNREAD : outcome.problems);
  const firstRow = context.duplicates.get(rowNumber);
  if (firstRow !== undefined) {
    errors.push({
      rowNumber,
      errorType: ErrorType.DUPLICATE_IN_FILE,
      message: `Duplicate ${keyLabel(context.template)}: row ${firstRow} has the same value`,
      column: context.template.key,
    });
  }
  if (!outcome.ok || errors.length > 0) return { ...checked, errors };
  return { ...checked, errors, write: { key: outcome.key, record: outcome.record } };
};

/** The key column as words: `email`, `employee id`. */
export const keyLabel = (template: TemplateDefinition): string => template.key.replace(/_/g, ' ');

/**
 * "A user with this email already exists": the record noun comes from the template's (plural) name, so
 * each template reads naturally without a phrase of its own.
 */
export const alreadyExistsMessage = (template: TemplateDefinition): string => {
  const noun = template.name.toLowerCase().replace(/s$/, '');
  // "a user", "a unit": a leading u is usually pronounced "you", so only a, e, i, o take "an".
  const article = /^[aeio]/.test(noun) ? 'An' : 'A';
  return `${article} ${noun} with this ${keyLabel(template)} already exists`;
};
