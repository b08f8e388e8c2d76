import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChunkingSettings } from '../shared/config';
import { ConflictError, NotFoundError } from '../shared/errors';
import { readChunkPlan } from '../shared/manifest';
import {
  type ChunkMessage,
  type ChunkResult,
  ErrorType,
  type FinalizeMessage,
  isFinalStatus,
  type PlannedChunk,
  type RowError,
  TaskStatus,
} from '../shared/model';
import { chunkPartKey } from '../shared/object-keys';
import type { MessageQueue, ObjectStore, RecordStore, TaskStore } from '../shared/ports';
import { exceptionLine, RESULT_STATUS, resultLine } from '../shared/reports';
import { findTemplate, type TemplateDefinition } from '../shared/templates';
import { alreadyExistsMessage, type CheckedRow, checkRow, chunkContext } from './check-row';
import { readChunkRows } from './read-rows';
import { DEFAULT_RETRY, type RetryPolicy, type RowWrite, writeRecords } from './write-records';

export interface ProcessChunkDeps {
  objects: ObjectStore;
  tasks: TaskStore;
  records: RecordStore;
  finalize: MessageQueue<FinalizeMessage>;
  settings: ChunkingSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** How record writes are retried before the chunk is given back to SQS (tests shorten it). */
  retry?: RetryPolicy;
}

export const ChunkOutcome = {
  ALREADY_FINAL: 'already-final',
  /** Rows read, checked, written and reported now. */
  PROCESSED: 'processed',
  /** The chunk's result already existed (a redelivery): only counting and finalize were redone. */
  RECOUNTED: 'recounted',
} as const;
export type ChunkOutcome = (typeof ChunkOutcome)[keyof typeof ChunkOutcome];

const PART_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * Imports one chunk: reads its byte range, checks every row, commits the valid ones, writes its report
 * parts and result, then counts it on the task exactly once. All work is keyed on importId + chunkIndex,
 * so a redelivered or duplicated message changes nothing twice. When the count shows every chunk done,
 * a finalize message is sent (possibly more than once; finalize is idempotent).
 */
export const processChunk = async (deps: ProcessChunkDeps, message: ChunkMessage): Promise<ChunkOutcome> => {
  const { tasks } = deps;
  const { importId, chunkIndex } = message;
  const task = await tasks.get(importId);
  if (!task) throw new NotFoundError(`Import ${importId} does not exist`);
  if (isFinalStatus(task.status)) {
    // A late redelivery, a redriven dead letter or a chunk the watchdog gave up on: nothing to do.
    deps.logger.info('Task already final; chunk message dropped', {
      importId,
      chunkIndex,
      status: task.status,
    });
    return ChunkOutcome.ALREADY_FINAL;
  }
  if (task.status !== TaskStatus.PROCESSING) {
    throw new ConflictError(
      `Import ${importId} is ${task.status}, not PROCESSING yet; chunk ${chunkIndex} waits`,
    );
  }
  const template = findTemplate(message.templateId);
  if (!template)
    throw new NotFoundError(`Template ${message.templateId} of import ${importId} does not exist`);

  const existing = await tasks.getChunkResult(importId, chunkIndex);
  const result = existing ?? (await importChunk(deps, template, await readChunkPlan(deps.objects, message)));
  await countAndFinalize(deps, result);
  return existing ? ChunkOutcome.RECOUNTED : ChunkOutcome.PROCESSED;
};

/**
 * Counts a chunk's stored result on its task exactly once and, when that makes every chunk counted, sends
 * the finalize message (possibly more than once; finalize is idempotent).
 */
export const countAndFinalize = async (
  deps: Pick<ProcessChunkDeps, 'tasks' | 'finalize' | 'logger'>,
  result: ChunkResult,
): Promise<void> => {
  const { importId, chunkIndex } = result;
  const { counted, task: now } = await deps.tasks.countChunk(importId, chunkIndex, {
    rows: result.rowCount,
    success: result.successCount,
    errors: result.errorCount,
    systemErrors: systemErrorRows(result),
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
  if (now.chunkCount !== undefined && now.chunksDone === now.chunkCount) {
    await deps.finalize.send([{ kind: 'finalize', importId }]);
  }
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
  deps: Pick<ProcessChunkDeps, 'objects' | 'tasks'>,
  message: PlannedChunk,
  rows: readonly ReportedRow[],
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

const importChunk = async (
  deps: ProcessChunkDeps,
  template: TemplateDefinition,
  message: PlannedChunk,
): Promise<ChunkResult> => {
  const { objects, settings } = deps;
  const rows = await readChunkRows(objects, message, settings.MAX_RECORD_BYTES);
  const context = chunkContext(template, message, settings.MAX_RECORD_BYTES);
  const checked = rows.map((row) => checkRow(context, row));

  const writes: { row: CheckedRow; write: RowWrite }[] = [];
  for (const row of checked) {
    if (row.write) writes.push({ row, write: { rowNumber: row.rowNumber, ...row.write } });
  }
  const outcomes = await writeRecords(
    {
      records: deps.records,
      template,
      importId: message.importId,
      concurrency: settings.WRITE_CONCURRENCY,
      batchSize: settings.WRITE_BATCH_SIZE,
      retry: deps.retry ?? DEFAULT_RETRY,
    },
    writes.map((entry) => entry.write),
  );
  outcomes.forEach((outcome, index) => {
    const row = writes[index]?.row;
    if (outcome !== 'exists' || !row) return;
    row.errors.push({
      rowNumber: row.rowNumber,
      errorType: ErrorType.ALREADY_EXISTS,
      message: alreadyExistsMessage(template),
      column: template.key,
    });
  });

  return storeChunkOutcome(deps, message, checked);
};
