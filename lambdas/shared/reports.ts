import { neutralizeFormula } from './csv-cells';
import type { RowError } from './model';
import { normalizeHeaderName, REPORT_COLUMNS } from './templates';

/**
 * Lines of the two reports (DESIGN §5). Chunk workers write their rows as part files (complete CSV
 * lines, no header); finalize writes the header and concatenates the parts in chunk order.
 * Every cell is trimmed (the importer trims values too) and goes through `neutralizeFormula`.
 */

export const RESULT_STATUS = { SUCCESS: 'SUCCESS', FAILED: 'FAILED' } as const;
export type ResultStatus = (typeof RESULT_STATUS)[keyof typeof RESULT_STATUS];

/** UTF-8 byte order mark: spreadsheets open the reports as UTF-8 with it. */
export const REPORT_BOM = '\uFEFF';

/** Content type both reports are stored with. */
export const REPORT_CONTENT_TYPE = 'text/csv; charset=utf-8';

// Semicolons and tabs are quoted too: spreadsheets in some locales split on them when opening a CSV.
const NEEDS_QUOTES = /[",;\t\r\n]|^\s|\s$/;

/**
 * One cell as written to a report. Trimming first matters: a value such as "\t=1" is imported as "=1",
 * so neutralising the untrimmed value would make the apostrophe undoable only before the trim.
 */
const reportCell = (value: string): string => {
  const safe = neutralizeFormula(value.trim());
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

// Hand-rolled rather than csv-stringify: this runs once per data row of every import (millions of
// calls), and the quoting rule above is all a report needs.
const csvLine = (cells: readonly string[]): string => `${cells.map(reportCell).join(',')}\r\n`;

/**
 * Positions of the file's header kept in an exceptions report. A re-uploaded exceptions report brings
 * its own row_number, error_type and error_message columns; they describe the previous attempt, so the
 * new report drops them and appends fresh ones instead of repeating them.
 */
const REPORT_COLUMN_NAMES: ReadonlySet<string> = new Set(REPORT_COLUMNS);
// Chunk workers pass the same header array for every row of a chunk: match its names once.
const keptPositionsCache = new WeakMap<readonly string[], readonly number[]>();
const keptPositions = (fileHeader: readonly string[]): readonly number[] => {
  const cached = keptPositionsCache.get(fileHeader);
  if (cached) return cached;
  const kept = fileHeader.flatMap((cell, index) =>
    REPORT_COLUMN_NAMES.has(normalizeHeaderName(cell)) ? [] : [index],
  );
  keptPositionsCache.set(fileHeader, kept);
  return kept;
};

/** How many of the file's columns the exceptions report repeats (all but ones named like its own). */
export const reportColumnCount = (fileHeader: readonly string[]): number => keptPositions(fileHeader).length;

/** Header line of the exceptions report: the file's own columns, then row_number, error_type, error_message. */
export const exceptionsHeaderLine = (fileHeader: readonly string[]): string =>
  csvLine([
    ...keptPositions(fileHeader).map((index) => (fileHeader[index] ?? '').replace(/^\uFEFF/, '')),
    ...REPORT_COLUMNS,
  ]);

/** Surplus cells of a row longer than the header, without the trailing blanks that carry nothing. */
const surplusCells = (cells: readonly string[], width: number): readonly string[] => {
  let end = cells.length;
  while (end > width && (cells[end - 1] ?? '').trim() === '') end -= 1;
  return cells.slice(width, end);
};

/**
 * One failed row: the file's own cells in the file's order, then row_number, error_type and
 * error_message. Several problems share one line, joined by "; ", so the fixed file re-imports each row
 * once. A short row is padded to the header's width; a row with more values than the header keeps them
 * (before the report columns): cutting them would drop data, and a re-upload that still has them fails
 * with COLUMN_COUNT again rather than importing shifted values. Throws when `errors` is empty: a line
 * without a reason would be a failed row nobody can fix.
 */
export const exceptionLine = (
  fileHeader: readonly string[],
  cells: readonly string[],
  errors: readonly RowError[],
): string => {
  const first = errors[0];
  if (!first) throw new Error('An exceptions report line needs at least one row error');
  const values = keptPositions(fileHeader).map((index) => cells[index] ?? '');
  const types = [...new Set(errors.map((error) => error.errorType))].join('; ');
  const messages = errors.map((error) => error.message).join('; ');
  return csvLine([
    ...values,
    ...surplusCells(cells, fileHeader.length),
    String(first.rowNumber),
    types,
    messages,
  ]);
};

/** Header line of the Result Data report: row_number, status, reason, then the template's key column. */
export const resultsHeaderLine = (keyColumn: string): string =>
  csvLine(['row_number', 'status', 'reason', keyColumn]);

/**
 * One data row's outcome: row_number, status, reason, then the key column's value. Written for every row
 * of every import, so the two cells that never need quoting or neutralising (a row number, a status
 * word) skip `reportCell`; the line is the one `csvLine` would write.
 */
export const resultLine = (
  rowNumber: number,
  status: ResultStatus,
  reason: string,
  keyValue: string,
): string => `${rowNumber},${status},${reason === '' ? '' : reportCell(reason)},${reportCell(keyValue)}\r\n`;
