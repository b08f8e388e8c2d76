import { parse } from 'csv-parse/sync';
import { RecordScanner, type ScannedRecord } from '../shared/csv';
import { restoreNeutralized } from '../shared/csv-cells';
import { ConflictError, NotFoundError } from '../shared/errors';
import { isFinalStatus, type RowError, TaskStatus } from '../shared/model';
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
): Promise<{ bytes: Buffer; records: ScannedRecord[] }> => {
  for (let window = WINDOW_BYTES; ; window *= 2) {
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

export const listFailedRows = async (
  deps: ImportsDeps,
  importId: string,
  query: PageQuery,
): Promise<ListPage<FailedRow>> => {
  const task = await requireTask(deps.tasks, importId);
  if (task.status === TaskStatus.VALIDATION_FAILED)
    throw new ConflictError(
      `Import ${importId} did not pass validation${task.statusReason ? ` (${task.statusReason})` : ''}: no row of it was read, so none failed.`,
    );
  if (!isFinalStatus(task.status))
    throw new ConflictError(
      `Import ${importId} is still ${task.status}: its failed rows are listed once it has ended.`,
    );
  if (task.errorCount === 0) return { items: [], nextCursor: null };
  const key = exceptionsKey(importId);
  const head = await deps.objects.head(key);
  if (!head) throw new NotFoundError(`Import ${importId} has no exceptions report.`);

  // The header: the file's own columns, then the report's three.
  const first = await readRecords(deps.objects, key, head.size, 0, 1);
  const headerRecord = first.records[0];
  if (!headerRecord) throw new Error(`The exceptions report of ${importId} has no header`);
  const header = cellsOf(first.bytes, 0, headerRecord).slice(0, -REPORT_COLUMNS.length);

  const scope = scopeOf(importId);
  const position = deps.cursors.decode(scope, query.cursor);
  const offset = typeof position?.offset === 'number' ? position.offset : headerRecord.end;
  const errorsAfter = position?.errors as Record<string, unknown> | undefined;
  if (offset >= head.size) return { items: [], nextCursor: null };

  const { bytes, records } = await readRecords(deps.objects, key, head.size, offset, query.limit);
  const rows = records.map((record) => {
    const cells = cellsOf(bytes, offset, record);
    const values: Record<string, string> = {};
    header.forEach((name, index) => {
      values[name] = restoreNeutralized(cells[index] ?? '');
    });
    const rowNumber = Number(cells[cells.length - REPORT_COLUMNS.length]);
    return { rowNumber, values, errors: [] as FailedRow['errors'] };
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
