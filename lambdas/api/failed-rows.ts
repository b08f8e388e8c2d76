import { parse } from 'csv-parse/sync';
import { RecordScanner, type ScannedRecord } from '../shared/csv';
import { restoreNeutralized } from '../shared/csv-cells';
import { ConflictError, NotFoundError } from '../shared/errors';
import { isFinalStatus, type RowError, type TaskRecord, TaskStatus } from '../shared/model';
import { exceptionsKey } from '../shared/object-keys';
import type { ObjectStore } from '../shared/ports';
import { REPORT_COLUMNS } from '../shared/templates';
import { type ImportsDeps, requireTask } from './imports';
import type { ListPage, PageQuery } from './paging';

/**
 * An import's failed rows as the console's grid edits them (DESIGN §10): each row's values under the
 * file's own headers, as the admin wrote them, with its errors. Read from the exceptions report, which
 * holds exactly the failed rows in row order with their cells: a page is one ranged read at a byte offset
 * (the cursor), so the millionth failed row costs what the first does; the errors come from the import's
 * row errors, which are in the same order.
 */

export interface FailedRow {
  rowNumber: number;
  values: Record<string, string>;
  errors: Omit<RowError, 'rowNumber'>[];
  /** The fix import that has imported this row since (DESIGN §10), when one has. */
  importedBy?: string;
}

/** Bytes read at a time; doubled until the page's rows are whole (a row can be up to a megabyte). */
const WINDOW_BYTES = 256 * 1024;
/** Row errors read per request while a page collects its rows' errors. */
const ERRORS_BATCH = 1000;

const scopeOf = (importId: string) => `failed-rows:${importId}`;

/** The complete records of `bytes` (read from `offset`), as byte ranges; a record cut by the end is left out. */
const recordsIn = (bytes: Buffer, offset: number): ScannedRecord[] => {
  const records: ScannedRecord[] = [];
  const scanner = new RecordScanner((record) => records.push({ ...record }), {
    delimiter: ',',
    startOffset: offset,
  });
  scanner.push(bytes);
  return records;
};

/** Whole records from `offset` on, at least `wanted` of them unless the file ends first. */
const readRecords = async (
  objects: ObjectStore,
  key: string,
  size: number,
  offset: number,
  wanted: number,
  firstWindow = WINDOW_BYTES,
): Promise<{ bytes: Buffer; records: ScannedRecord[] }> => {
  for (let window = firstWindow; ; window *= 2) {
    const end = Math.min(size, offset + Math.max(window, wanted * 512));
    const bytes = await objects.getRange(key, offset, end);
    const records = recordsIn(bytes, offset);
    if (records.length >= wanted || end >= size) return { bytes, records: records.slice(0, wanted) };
  }
};

const cellsOf = (bytes: Buffer, from: number, record: ScannedRecord): string[] => {
  const [cells] = parse(bytes.subarray(record.start - from, record.end - from), {
    bom: true,
    relax_column_count: true,
  }) as string[][];
  return cells ?? [];
};

/** Why an import's failed rows cannot be read (yet), or undefined when they can. */
const failedRowsConflict = (task: TaskRecord, use: 'listed' | 'fixed'): ConflictError | undefined => {
  const { importId } = task;
  if (task.status === TaskStatus.VALIDATION_FAILED)
    return new ConflictError(
      `Import ${importId} did not pass validation${task.statusReason ? ` (${task.statusReason})` : ''}: no row of it was read, so none failed.`,
    );
  if (!isFinalStatus(task.status))
    return new ConflictError(
      `Import ${importId} is still ${task.status}: its failed rows are ${use} once it has ended.`,
    );
  return undefined;
};

/** An ended import's exceptions report: its key, size, the file's own columns and where its rows start. */
export interface FailedRowsReport {
  key: string;
  size: number;
  header: string[];
  rowsStart: number;
}

/** The exceptions report of an import whose failed rows can be read; 409 when they cannot yet. */
export const openFailedRows = async (
  objects: ObjectStore,
  task: TaskRecord,
  use: 'listed' | 'fixed',
): Promise<FailedRowsReport> => {
  const conflict = failedRowsConflict(task, use);
  if (conflict) throw conflict;
  const key = exceptionsKey(task.importId);
  const head = await objects.head(key);
  if (!head) throw new NotFoundError(`Import ${task.importId} has no exceptions report.`);
  // The header: the file's own columns, then the report's three.
  const first = await readRecords(objects, key, head.size, 0, 1);
  const headerRecord = first.records[0];
  if (!headerRecord) throw new Error(`The exceptions report of ${task.importId} has no header`);
  const header = cellsOf(first.bytes, 0, headerRecord).slice(0, -REPORT_COLUMNS.length);
  return { key, size: head.size, header, rowsStart: headerRecord.end };
};

/** A report line's row number and values under the file's headers, as the admin wrote them. */
const failedRowOf = (header: readonly string[], cells: readonly string[]) => {
  const values: Record<string, string> = {};
  header.forEach((name, index) => {
    values[name] = restoreNeutralized(cells[index] ?? '');
  });
  return { rowNumber: Number(cells[cells.length - REPORT_COLUMNS.length]), values };
};

/** Bytes read at a time when every failed row is read in one pass. */
const SCAN_BYTES = 1024 * 1024;

/** Every failed row of a report, in row order, its number and values: a window at a time, one parse each. */
export async function* everyFailedRow(
  objects: ObjectStore,
  report: FailedRowsReport,
): AsyncGenerator<{ rowNumber: number; values: Record<string, string> }> {
  let offset = report.rowsStart;
  while (offset < report.size) {
    const { bytes, records } = await readRecords(objects, report.key, report.size, offset, 1, SCAN_BYTES);
    const last = records.at(-1);
    if (!last)
      throw new Error(`The exceptions report ${report.key} has a row it cannot read at byte ${offset}`);
    const parsed = parse(bytes.subarray(0, last.end - offset), { relax_column_count: true }) as string[][];
    for (const cells of parsed) yield failedRowOf(report.header, cells);
    offset = last.end;
  }
}

export const listFailedRows = async (
  deps: ImportsDeps,
  importId: string,
  query: PageQuery,
): Promise<ListPage<FailedRow>> => {
  const task = await requireTask(deps.tasks, importId);
  const conflict = failedRowsConflict(task, 'listed');
  if (conflict) throw conflict;
  if (task.errorCount === 0) return { items: [], nextCursor: null };
  const report = await openFailedRows(deps.objects, task, 'listed');
  const { key, header } = report;
  const head = report;

  const scope = scopeOf(importId);
  const position = deps.cursors.decode(scope, query.cursor);
  const offset = typeof position?.offset === 'number' ? position.offset : report.rowsStart;
  const errorsAfter = position?.errors as Record<string, unknown> | undefined;
  if (offset >= head.size) return { items: [], nextCursor: null };

  const { bytes, records } = await readRecords(deps.objects, key, head.size, offset, query.limit);
  const fixed = task.fixImportIds?.length ? await deps.tasks.listFixedRows(importId) : undefined;
  const rows = records.map((record): FailedRow => {
    const { rowNumber, values } = failedRowOf(header, cellsOf(bytes, offset, record));
    const importedBy = fixed?.get(rowNumber);
    return { rowNumber, values, errors: [], ...(importedBy ? { importedBy } : {}) };
  });
  const lastRow = rows.at(-1)?.rowNumber ?? 0;
  const next = await attachErrors(deps, importId, rows, lastRow, errorsAfter);
  const end = records.at(-1)?.end ?? head.size;
  return {
    items: rows,
    nextCursor:
      end < head.size ? deps.cursors.encode(scope, { offset: end, ...(next ? { errors: next } : {}) }) : null,
  };
};

/**
 * Gives each row its errors, read in row order from where the previous page left off; returns where the
 * next page's errors start.
 */
const attachErrors = async (
  deps: ImportsDeps,
  importId: string,
  rows: FailedRow[],
  lastRow: number,
  after: Record<string, unknown> | undefined,
): Promise<Record<string, unknown> | undefined> => {
  const byRow = new Map(rows.map((row) => [row.rowNumber, row]));
  let cursor = after;
  for (;;) {
    const page = await deps.tasks.listRowErrors(importId, ERRORS_BATCH, cursor);
    let taken = 0;
    for (const error of page.items) {
      if (error.rowNumber > lastRow) break;
      taken += 1;
      byRow.get(error.rowNumber)?.errors.push({
        errorType: error.errorType,
        message: error.message,
        ...(error.column ? { column: error.column } : {}),
      });
    }
    if (taken < page.items.length) {
      // The rest belong to later pages: the position just after the last error taken.
      return taken === 0 ? cursor : (await deps.tasks.listRowErrors(importId, taken, cursor)).next;
    }
    if (!page.next) return undefined;
    cursor = page.next;
  }
};
