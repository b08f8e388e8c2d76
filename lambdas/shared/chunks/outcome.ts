import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { readChunkMessage } from '../manifest';
import {
  type ChunkMessage,
  type ChunkResult,
  ErrorType,
  type FinalizeMessage,
  type PlannedChunk,
  type RowError,
  type TaskRecord,
} from '../model';
import { chunkPartKey } from '../object-keys';
import type { MessageQueue, ObjectStore, TaskStore } from '../ports';
import { exceptionLine, RESULT_STATUS, resultLine } from '../reports';

/**
 * A chunk's outcome, as every stage that ends a chunk stores and counts it (process-chunk when it imports
 * one, a give-up when it cannot): report parts first, then the result, stored once; then the count on the
 * task, exactly once, and finalize when that count is the last.
 */

const PART_CONTENT_TYPE = 'text/csv; charset=utf-8';

export interface CountDeps {
  tasks: TaskStore;
  finalize: MessageQueue<FinalizeMessage>;
  /** The manifest (for the next chunk's message) and the chunks queue, for imports sent in a window. */
  objects: ObjectStore;
  chunks: MessageQueue<ChunkMessage>;
  logger: Pick<Logger, 'info'>;
}

/**
 * Counts a chunk's stored result on its task exactly once and, when that makes every chunk counted, sends
 * the finalize message (possibly more than once; finalize is idempotent).
 */
export const countAndFinalize = async (deps: CountDeps, result: ChunkResult): Promise<void> => {
  const { importId, chunkIndex } = result;
  const { counted, task: now } = await deps.tasks.countChunk(importId, chunkIndex, {
    rows: result.rowCount,
    success: result.successCount,
    errors: result.errorCount,
    systemErrors: systemErrorRows(result),
    ...(result.createdCount === undefined ? {} : { created: result.createdCount }),
    ...(result.updatedCount === undefined ? {} : { updated: result.updatedCount }),
  });
  deps.logger.info('Chunk counted', {
    importId,
    chunkIndex,
    counted,
    rows: result.rowCount,
    errors: result.errorCount,
    chunksDone: now.chunksDone,
    chunkCount: now.chunkCount,
  });
  await sendNextInWindow(deps, now, chunkIndex);
  if (now.chunkCount !== undefined && now.chunksDone === now.chunkCount) {
    await deps.finalize.send([{ kind: 'finalize', importId }]);
  }
};

/**
 * An import sent in a window (`chunkWindow`) keeps that many chunks on the queue: counting chunk i sends
 * chunk i + window, so each import holds its share of the workers and another account's chunks are never
 * queued behind a whole 200 MB file. Every chunk is counted exactly once, so each next chunk is sent by
 * one count; a redelivered count sends it again unless it is counted already (a duplicate is harmless:
 * a chunk's outcome is stored and counted once).
 */
const sendNextInWindow = async (deps: CountDeps, task: TaskRecord, chunkIndex: number): Promise<void> => {
  const { chunkWindow, chunkCount } = task;
  if (chunkWindow === undefined || chunkCount === undefined) return;
  const next = chunkIndex + chunkWindow;
  if (next >= chunkCount || task.countedChunks?.includes(next)) return;
  await deps.chunks.send([await readChunkMessage(deps.objects, task.importId, next)]);
};

/** Rows of a result that failed with a SYSTEM error (rows of a chunk given up on). */
const systemErrorRows = (result: ChunkResult): number =>
  new Set(
    result.errors.filter((error) => error.errorType === ErrorType.SYSTEM).map((error) => error.rowNumber),
  ).size;

/** One row as the reports show it. */
export interface ReportedRow {
  rowNumber: number;
  /** Cells as parsed (none when the row could not be read). */
  cells: readonly string[];
  rawKey: string;
  errors: readonly RowError[];
}

/**
 * Writes a chunk's report parts, then its result (parts first: a stored result means the chunk's reports
 * are complete). Each attempt (a processing or a give-up) writes parts and error pages of its own, and the
 * result is stored only if the chunk has none yet: the first attempt stored stands, with its own outputs,
 * and a later one reads it and removes its parts. Returns the result that stands for the chunk.
 */
export const storeChunkOutcome = async (
  deps: { objects: ObjectStore; tasks: TaskStore },
  message: PlannedChunk,
  rows: readonly ReportedRow[],
  /** For an upsert template: how many of the successful rows created a record and how many updated one. */
  upserts?: { created: number; updated: number },
): Promise<ChunkResult> => {
  const attempt = randomUUID();
  let exceptions = '';
  let results = '';
  let successCount = 0;
  for (const row of rows) {
    if (row.errors.length === 0) {
      successCount += 1;
      results += resultLine(row.rowNumber, RESULT_STATUS.SUCCESS, '', row.rawKey);
      continue;
    }
    exceptions += exceptionLine(message.header, row.cells, row.errors);
    const reason = row.errors.map((error) => error.message).join('; ');
    results += resultLine(row.rowNumber, RESULT_STATUS.FAILED, reason, row.rawKey);
  }
  const parts = {
    exceptions: chunkPartKey(message.importId, 'exceptions', message.chunkIndex, attempt),
    results: chunkPartKey(message.importId, 'results', message.chunkIndex, attempt),
  };
  await Promise.all([
    deps.objects.put(parts.exceptions, exceptions, PART_CONTENT_TYPE),
    deps.objects.put(parts.results, results, PART_CONTENT_TYPE),
  ]);
  const result: ChunkResult = {
    importId: message.importId,
    chunkIndex: message.chunkIndex,
    firstRowNumber: message.firstRowNumber,
    rowCount: rows.length,
    successCount,
    errorCount: rows.length - successCount,
    errors: rows.flatMap((row) => row.errors),
    ...(upserts ? { createdCount: upserts.created, updatedCount: upserts.updated } : {}),
    attempt,
  };
  if (await deps.tasks.putChunkResultIfAbsent(result)) return result;
  const standing = await deps.tasks.getChunkResult(message.importId, message.chunkIndex);
  if (!standing) throw new Error(`Chunk ${message.chunkIndex} of ${message.importId} lost its result`);
  // Never read: finalize takes the parts of the standing attempt. Best effort; work/ expires anyway.
  await Promise.all([deps.objects.delete(parts.exceptions), deps.objects.delete(parts.results)]).catch(
    () => undefined,
  );
  return standing;
};
