import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChunkingSettings } from '../config';
import { readChunkPlan } from '../manifest';
import {
  type ChunkMessage,
  ErrorType,
  isFinalStatus,
  type PlannedChunk,
  type RowError,
  TaskStatus,
} from '../model';
import { PipelineErrorCode, pipelineCodeOf } from '../pipeline-error';
import type { ObjectStore, RecordStore } from '../ports';
import { findTemplate } from '../templates';
import { alreadyExistsMessage, type CheckedRow, checkRow, chunkContext } from './check-row';
import { numberPlan, numberRows, type RowNumbering, rowNumberingOf } from './fix-rows';
import { type CountDeps, countAndFinalize, type ReportedRow, storeChunkOutcome } from './outcome';
import { readChunkRows } from './read-rows';

/**
 * Gives up on a chunk that keeps failing (its last SQS receive, or the watchdog finding it unfinished):
 * every row that was not committed becomes a SYSTEM error the admin can re-import from the exceptions file,
 * the chunk is counted exactly once like any other, and the last one counted sends finalize. Row counts stay
 * exact: the rows counted are the chunk's data rows, read from the file or taken from its message.
 */

export const GiveUpOutcome = {
  /**
   * The chunk's rows were re-read (or taken from its message) and its outcome stored and counted: rows not
   * committed are SYSTEM errors. (Should a worker's real outcome have been stored meanwhile, that one stands.)
   */
  GIVEN_UP: 'given-up',
  /** A result was stored already (a late worker, an earlier give-up): it was counted, nothing rewritten. */
  COUNTED_EXISTING: 'counted-existing',
  ALREADY_FINAL: 'already-final',
  /** The task is not PROCESSING (or does not exist): chunks are not counted on it, the watchdog looks after it. */
  NOT_PROCESSING: 'not-processing',
} as const;
export type GiveUpOutcome = (typeof GiveUpOutcome)[keyof typeof GiveUpOutcome];

export interface GiveUpDeps extends CountDeps {
  objects: ObjectStore;
  records: RecordStore;
  settings: Pick<ChunkingSettings, 'MAX_RECORD_BYTES'>;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** Raised when a chunk can be neither read nor counted from its message (a message older than rowCount). */
export class ChunkNotCountableError extends Error {
  constructor(message: ChunkMessage) {
    super(
      `Chunk ${message.chunkIndex} of import ${message.importId} cannot be read and its message has no row count`,
    );
    this.name = 'ChunkNotCountableError';
  }
}

/** What the admin reads about why: short, without internals (the full error is in the log). */
export const shortCause = (error: unknown): string => {
  const code = pipelineCodeOf(error);
  if (code === PipelineErrorCode.RECORD_STORE_UNAVAILABLE) return 'the database did not accept its rows';
  if (code === PipelineErrorCode.PLAN_MISMATCH) return 'the file changed after it was checked';
  // S3's own answers: the object is gone, or a range lies past its end (416 InvalidRange).
  const name = error instanceof Error ? error.name : '';
  if (name === 'NoSuchKey' || name === 'NotFound') return "the file's data could not be read";
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  if (name === 'InvalidRange' || status === 416) return 'the file changed after it was checked';
  return 'an internal error';
};

/** The SYSTEM message of a given-up row. `why` says what happened to its part of the file. */
export const givenUpMessage = (why: string): string =>
  `Not imported: this row's part of the file ${why}. Import it again from the exceptions file.`;

const systemError = (rowNumber: number, why: string): RowError => ({
  rowNumber,
  errorType: ErrorType.SYSTEM,
  message: givenUpMessage(why),
});

/**
 * @param why what happened to the chunk, as the rows' message completes it: "failed 5 times (the
 *   database did not accept its rows)", "was not finished within 1 hour".
 */
export const giveUpChunk = async (
  deps: GiveUpDeps,
  message: ChunkMessage,
  why: string,
): Promise<GiveUpOutcome> => {
  const { tasks, logger } = deps;
  const { importId, chunkIndex } = message;
  const task = await tasks.get(importId);
  if (!task || task.status !== TaskStatus.PROCESSING) {
    return task && isFinalStatus(task.status) ? GiveUpOutcome.ALREADY_FINAL : GiveUpOutcome.NOT_PROCESSING;
  }
  const existing = await tasks.getChunkResult(importId, chunkIndex);
  if (existing) {
    await countAndFinalize(deps, existing);
    return GiveUpOutcome.COUNTED_EXISTING;
  }
  const { chunk, rows } = await givenUpRows(deps, message, why, await rowNumberingOf(tasks, task));
  // Conditional: a worker that stored a real outcome meanwhile wins, and that outcome is what gets counted.
  // No row of it succeeded: an upsert template's chunk counts none created and none updated.
  const upserts =
    findTemplate(message.templateId)?.mode === 'upsert' ? { created: 0, updated: 0 } : undefined;
  const result = await storeChunkOutcome(deps, chunk, rows, upserts);
  await countAndFinalize(deps, result);
  logger.warn('Chunk given up', {
    importId,
    chunkIndex,
    why,
    rows: result.rowCount,
    failed: result.errorCount,
  });
  return GiveUpOutcome.GIVEN_UP;
};

/**
 * A chunk whose plan could not be read: reported with as many empty cells as the exceptions report has
 * columns of the file's own, so its lines still line up with the report's header.
 */
const withoutPlan = (message: ChunkMessage): PlannedChunk => ({
  ...message,
  header: message.header ?? Array.from({ length: message.reportColumns ?? 0 }, () => ''),
  columnMap: message.columnMap ?? [],
  duplicates: message.duplicates ?? [],
});

/**
 * The chunk's rows as reported when given up, with the plan they were reported under: read from the file
 * when possible, else from its message.
 */
const givenUpRows = async (
  deps: GiveUpDeps,
  message: ChunkMessage,
  why: string,
  /** A fix import's: its rows are reported under the numbers they have in the import it fixes. */
  numbering: RowNumbering | undefined,
): Promise<{ chunk: PlannedChunk; rows: ReportedRow[] }> => {
  const template = findTemplate(message.templateId);
  let read: Awaited<ReturnType<typeof readChunkRows>> | undefined;
  let planned: PlannedChunk | undefined;
  try {
    planned = numberPlan(await readChunkPlan(deps.objects, message), numbering);
    read = template
      ? numberRows(await readChunkRows(deps.objects, planned, deps.settings.MAX_RECORD_BYTES), numbering)
      : undefined;
  } catch (error) {
    deps.logger.warn('Chunk given up without its rows: they could not be read', {
      importId: message.importId,
      chunkIndex: message.chunkIndex,
      error,
    });
  }
  if (!template || !read || !planned)
    return {
      chunk: planned ?? withoutPlan(message),
      rows: numberRows(rowsFromMessage(message, why), numbering).map((row) => ({
        ...row,
        errors: row.errors.map((error) => ({ ...error, rowNumber: row.rowNumber })),
      })),
    };

  // The rows' own problems are deterministic and stay what they are; only rows that were to be written need
  // to know whether an earlier attempt committed them.
  // One context for the chunk (its duplicates map is built once, not once per row).
  const context = chunkContext(template, planned, deps.settings.MAX_RECORD_BYTES);
  const checked = read.map((row) => checkRow(context, row));
  const writes = checked.filter((row): row is CheckedRow & { write: NonNullable<CheckedRow['write']> } =>
    Boolean(row.write),
  );
  const owners = await readOwners(
    deps,
    template.templateId,
    writes.map((row) => row.write.key),
    message,
  );
  for (const row of writes) {
    const owner = owners.get(row.write.key);
    if (owner && owner.importId === message.importId && owner.rowNumber === row.rowNumber) continue;
    if (owner && template.mode === 'insert') {
      row.errors.push({
        rowNumber: row.rowNumber,
        errorType: ErrorType.ALREADY_EXISTS,
        message: alreadyExistsMessage(template),
        column: template.key,
      });
      continue;
    }
    row.errors.push(systemError(row.rowNumber, why));
  }
  return { chunk: planned, rows: checked };
};

/**
 * Who wrote each key. When the record store cannot be read either (it is what kept failing), the map stays
 * empty and every row to be written is reported SYSTEM, including rows an earlier attempt did commit: the
 * admin's re-import of the exceptions file then meets them as ALREADY_EXISTS (insert-only, written by this
 * import) or rewrites the same values (upsert). Never a row silently counted as imported that is not.
 */
const readOwners = async (
  deps: GiveUpDeps,
  templateId: string,
  keys: readonly string[],
  message: ChunkMessage,
): Promise<Map<string, { importId: string; rowNumber: number } | null>> => {
  if (keys.length === 0) return new Map();
  try {
    return await deps.records.owners(templateId, keys);
  } catch (error) {
    deps.logger.warn('Owners of a given-up chunk could not be read; its rows to write are reported SYSTEM', {
      importId: message.importId,
      chunkIndex: message.chunkIndex,
      error,
    });
    return new Map();
  }
};

/**
 * Rows of a chunk that cannot be read: its data rows by number (blank records skipped), with no cells. A
 * message planned before row counts existed is countable only when its range holds no blank record.
 */
const rowsFromMessage = (message: ChunkMessage, why: string): ReportedRow[] => {
  if (message.rowCount === undefined) throw new ChunkNotCountableError(message);
  const blank = new Set(message.blankRows ?? []);
  const rows: ReportedRow[] = [];
  for (let rowNumber = message.firstRowNumber; rows.length < message.rowCount; rowNumber += 1) {
    if (blank.has(rowNumber)) continue;
    rows.push({ rowNumber, cells: [], rawKey: '', errors: [systemError(rowNumber, why)] });
  }
  return rows;
};
