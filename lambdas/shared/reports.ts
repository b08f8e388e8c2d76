import { stringify } from 'csv-stringify/sync';
import { neutralizeFormula } from './csv-cells';
import type { RowError } from './model';
import { REPORT_COLUMNS } from './templates';

/**
 * Lines of the two reports (DESIGN §5). Chunk workers write their rows as part files (complete CSV
 * lines, no header); finalize writes the header and concatenates the parts in chunk order.
 * Every cell goes through `neutralizeFormula`.
 */

export const RESULT_STATUS = { SUCCESS: 'SUCCESS', FAILED: 'FAILED' } as const;
export type ResultStatus = (typeof RESULT_STATUS)[keyof typeof RESULT_STATUS];

/** UTF-8 byte order mark: spreadsheets open the reports as UTF-8 with it. */
export const REPORT_BOM = '\uFEFF';

const csvLine = (cells: readonly string[]): string =>
  stringify([cells.map(neutralizeFormula)], {
    eof: true,
    record_delimiter: 'windows',
    quoted_match: /^\s|\s$/,
  });

export const exceptionsHeaderLine = (fileHeader: readonly string[]): string =>
  csvLine([...fileHeader, ...REPORT_COLUMNS]);

/**
 * One failed row: the file's own cells in the file's order (padded or cut to the header's width),
 * then row_number, error_type and error_message. Several problems share one line, joined by "; ",
 * so the fixed file re-imports each row once.
 */
export const exceptionLine = (
  fileHeader: readonly string[],
  cells: readonly string[],
  errors: readonly RowError[],
): string => {
  const rowNumber = errors[0]?.rowNumber ?? 0;
  const values = fileHeader.map((_, index) => cells[index] ?? '');
  const types = [...new Set(errors.map((error) => error.errorType))].join('; ');
  const messages = errors.map((error) => error.message).join('; ');
  return csvLine([...values, String(rowNumber), types, messages]);
};

export const resultsHeaderLine = (keyColumn: string): string =>
  csvLine(['row_number', 'status', 'reason', keyColumn]);

/** One data row's outcome: row_number, status, reason, then the key column's value. */
export const resultLine = (
  rowNumber: number,
  status: ResultStatus,
  reason: string,
  keyValue: string,
): string => csvLine([String(rowNumber), status, reason, keyValue]);
