import { z } from 'zod';
import { BadRequestError, ConflictError } from '../shared/errors';
import {
  type DateFormats,
  isFinalStatus,
  MAX_FILE_BYTES,
  type Task,
  type TaskRecord,
  TaskSource,
  TaskStatus,
  toPublicTask,
} from '../shared/model';
import { uploadKey } from '../shared/object-keys';
import type { TaskStore } from '../shared/ports';
import { everyFailedRow, openFailedRows } from './failed-rows';
import { type ImportsDeps, requireTask } from './imports';
import type { Principal } from './token-verifier';

/**
 * Fixes of failed rows (DESIGN §10): `POST /api/imports/{importId}/fixes` takes failed rows of an ended
 * import with new values and starts a child import of just those rows through the same pipeline. Its file
 * is written here: the parent's columns (as its exceptions report has them) and one line a row, in the
 * parent's row order; the task store keeps each line's row number in the parent, and the pipeline reports
 * the rows under those. What a fix imports counts as fixed on the parent and on every import the parent
 * fixes in turn, so the first import of a chain of fixes knows what is still outstanding.
 */

export const MAX_FIX_ROWS = 10_000;
/** A value as long as one row may be: a longer one could never be imported anyway. */
const MAX_VALUE_CHARS = 1024 * 1024;
/** Rows named in one message, at most: the rest are "and N more". */
const ROWS_NAMED = 5;

const fixRowSchema = z.object(
  {
    rowNumber: z
      .number({ error: 'must be the row number of a failed row' })
      .int({ error: 'must be a whole row number' })
      .min(2, { error: 'must be a data row number (2 or more)' }),
    values: z.record(
      z.string(),
      z.string({ error: 'must be text' }).max(MAX_VALUE_CHARS, { error: 'is longer than a row may be' }),
      { error: 'must be an object of header → value' },
    ),
  },
  { error: 'must be {"rowNumber", "values"}' },
);

/** Body of `POST /api/imports/{importId}/fixes`. */
export const fixesBodySchema = z
  .object(
    {
      rows: z
        .array(fixRowSchema, { error: 'must be a list of {rowNumber, values}' })
        .min(1, { error: 'must list at least 1 row' })
        .max(MAX_FIX_ROWS, { error: `must list at most ${MAX_FIX_ROWS.toLocaleString('en-US')} rows` }),
      dryRun: z.boolean({ error: 'must be true or false' }).optional(),
    },
    { error: 'expected a JSON object' },
  )
  .superRefine((body, context) => {
    const seen = new Set<number>();
    const twice = new Set<number>();
    for (const row of body.rows) (seen.has(row.rowNumber) ? twice : seen).add(row.rowNumber);
    if (twice.size > 0)
      context.addIssue({
        code: 'custom',
        path: ['rows'],
        message: `${rowList([...twice])} ${twice.size === 1 ? 'is' : 'are'} listed more than once: send each row once, with all its values`,
      });
  });
export type FixesBody = z.output<typeof fixesBodySchema>;

/** "row 3", "rows 3, 5 and 8", "rows 3, 5, 8, 9, 10 and 12 more". */
const rowList = (rows: readonly number[]): string => {
  const sorted = [...rows].sort((a, b) => a - b);
  if (sorted.length === 1) return `row ${sorted[0]}`;
  const named = sorted.slice(0, ROWS_NAMED);
  const more = sorted.length - named.length;
  return more > 0
    ? `rows ${named.join(', ')} and ${more} more`
    : `rows ${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
};
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** `people.csv` → `people-fixes.csv`; a fix of a fix keeps that name. */
export const fixFileName = (fileName: string): string => {
  const stem = fileName.replace(/\.csv$/i, '');
  return /-fixes$/i.test(stem) ? `${stem}.csv` : `${stem}-fixes.csv`;
};

/** RFC 4180, every cell quoted: whatever a value holds, the pipeline reads it back as written. */
const csvLine = (cells: readonly string[]): string =>
  `${cells.map((cell) => `"${cell.replaceAll('"', '""')}"`).join(',')}\r\n`;

/** How the parent was read, as the child must be: its date orders, those it detected included. */
const readingOf = (parent: TaskRecord): Partial<TaskRecord> => {
  const detected = Object.fromEntries(
    Object.entries(parent.detected?.formats ?? {}).filter(
      (entry): entry is [string, NonNullable<(typeof entry)[1]>] => Boolean(entry[1]),
    ),
  );
  const formats: DateFormats = { ...detected, ...parent.formats };
  return {
    ...(parent.mapping ? { mapping: parent.mapping } : {}),
    ...(Object.keys(formats).length > 0 ? { formats } : {}),
    ...(parent.defaultCountry ? { defaultCountry: parent.defaultCountry } : {}),
  };
};

/** The imports whose failed rows a fix of `parent` fixes: the parent, and those it fixes when it is a fix. */
export const fixAncestorsOf = (parent: TaskRecord): string[] => [
  parent.importId,
  ...(parent.fixRows === undefined ? [] : (parent.fixAncestors ?? [])),
];

/** Lists a new fix import on every import it fixes, so each shows its chain of fixes. */
export const listFix = async (tasks: TaskStore, child: TaskRecord): Promise<void> => {
  for (const ancestor of child.fixAncestors ?? []) await tasks.addFixImport(ancestor, child.importId);
};

/** Reads the parent's failed rows for the ones asked for; refuses any that cannot be fixed. */
const rowsToFix = async (
  deps: ImportsDeps,
  parent: TaskRecord,
  body: FixesBody,
): Promise<{ header: string[]; rows: { rowNumber: number; values: Record<string, string> }[] }> => {
  const report = await openFailedRows(deps.objects, parent, 'fixed');
  const columns = new Set(report.header);
  for (const row of body.rows) {
    const unknown = Object.keys(row.values).filter((name) => !columns.has(name));
    if (unknown.length > 0)
      throw new BadRequestError(
        `Row ${row.rowNumber}: ${unknown.map((name) => JSON.stringify(name)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a column of the file (its columns: ${report.header.join(', ')}).`,
      );
  }
  const wanted = new Map(body.rows.map((row) => [row.rowNumber, row.values]));
  const found: { rowNumber: number; values: Record<string, string> }[] = [];
  for await (const failed of everyFailedRow(deps.objects, report)) {
    const values = wanted.get(failed.rowNumber);
    if (values) found.push({ rowNumber: failed.rowNumber, values: { ...failed.values, ...values } });
    if (found.length === wanted.size) break;
  }
  const foundRows = new Set(found.map((row) => row.rowNumber));
  const notFailed = body.rows.map((row) => row.rowNumber).filter((row) => !foundRows.has(row));
  if (notFailed.length > 0)
    throw new BadRequestError(
      `${capitalized(rowList(notFailed))} did not fail in import ${parent.importId}: only its failed rows can be fixed.`,
    );

  if (parent.fixImportIds?.length) {
    const fixed = await deps.tasks.listFixedRows(parent.importId);
    const imported = found.filter((row) => fixed.has(row.rowNumber));
    const first = imported[0];
    if (first)
      throw new ConflictError(
        imported.length === 1
          ? `Row ${first.rowNumber} was imported by fix ${fixed.get(first.rowNumber)} already: leave it out.`
          : `${capitalized(rowList(imported.map((row) => row.rowNumber)))} were imported by fixes already (row ${first.rowNumber} by ${fixed.get(first.rowNumber)}): leave them out.`,
      );
  }
  const empty = found.filter((row) => Object.values(row.values).every((value) => value.trim() === ''));
  if (empty.length > 0)
    throw new BadRequestError(
      `${capitalized(rowList(empty.map((row) => row.rowNumber)))} would have every value empty, and an empty line is not a row: give it its values.`,
    );
  return { header: report.header, rows: found.sort((a, b) => a.rowNumber - b.rowNumber) };
};

/**
 * Starts a fix of failed rows of an ended import (a check of it with `dryRun`). The row numbers are
 * stored first, then the task, then the file, whose arrival starts the pipeline as an upload's does.
 */
export const createFixes = async (
  deps: ImportsDeps,
  principal: Principal,
  importId: string,
  body: FixesBody,
): Promise<{ import: Task }> => {
  const parent = await requireTask(deps.tasks, importId);
  if (
    isFinalStatus(parent.status) &&
    parent.status !== TaskStatus.VALIDATION_FAILED &&
    parent.errorCount === 0
  )
    throw new ConflictError(`Import ${importId} has no failed rows: there is nothing to fix.`);
  const { header, rows } = await rowsToFix(deps, parent, body);

  const text =
    csvLine(header) + rows.map((row) => csvLine(header.map((name) => row.values[name] ?? ''))).join('');
  const fileSize = Buffer.byteLength(text);
  if (fileSize > MAX_FILE_BYTES)
    throw new BadRequestError(
      `These fixes make a file of ${fileSize} bytes; the limit is ${MAX_FILE_BYTES}.`,
    );

  const childId = deps.newId();
  const fileName = fixFileName(parent.fileName);
  const record: TaskRecord = {
    importId: childId,
    templateId: parent.templateId,
    fileName,
    source: TaskSource.UPLOAD,
    status: TaskStatus.PENDING,
    createdBy: principal.username,
    createdAt: deps.now().toISOString(),
    fileSize,
    processedRows: 0,
    successCount: 0,
    errorCount: 0,
    objectKey: uploadKey(childId, fileName),
    parentImportId: importId,
    fixRows: rows.length,
    fixAncestors: fixAncestorsOf(parent),
    ...readingOf(parent),
    ...(body.dryRun ? { dryRun: true as const } : {}),
  };
  await deps.tasks.putRowNumbers(
    childId,
    rows.map((row) => row.rowNumber),
  );
  if (!(await deps.tasks.create(record))) throw new Error(`Import id ${childId} is already taken`);
  await listFix(deps.tasks, record);
  await deps.objects.put(record.objectKey, text, 'text/csv; charset=utf-8');
  deps.logger.info('Fix import started', { importId: childId, parent: importId, rows: rows.length });
  return { import: toPublicTask(record) };
};
