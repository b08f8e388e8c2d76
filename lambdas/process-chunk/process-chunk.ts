import type { Logger } from '@aws-lambda-powertools/logger';
import { alreadyExistsMessage, type CheckedRow, checkRow, chunkContext } from '../shared/chunks/check-row';
import { numberPlan, numberRows, rowNumberingOf } from '../shared/chunks/fix-rows';
import { countAndFinalize, storeChunkOutcome } from '../shared/chunks/outcome';
import { readChunkRows } from '../shared/chunks/read-rows';
import type { ChunkingSettings } from '../shared/config';
import { readChunkPlan } from '../shared/manifest';
import {
  type ChunkMessage,
  type ChunkResult,
  ErrorType,
  type FinalizeMessage,
  isFinalStatus,
  type PlannedChunk,
  type TaskRecord,
  TaskStatus,
} from '../shared/model';
import { PipelineError, PipelineErrorCode } from '../shared/pipeline-error';
import type { MessageQueue, ObjectStore, RecordOrigin, RecordStore, TaskStore } from '../shared/ports';
import { findTemplate, type TemplateDefinition } from '../shared/templates';
import { checkRecords, DEFAULT_RETRY, type RetryPolicy, type RowWrite, writeRecords } from './write-records';

export interface ProcessChunkDeps {
  objects: ObjectStore;
  tasks: TaskStore;
  records: RecordStore;
  finalize: MessageQueue<FinalizeMessage>;
  /** Where the next chunk of an import sent in a window goes, once this one is counted. */
  chunks: MessageQueue<ChunkMessage>;
  settings: ChunkingSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** How record writes are retried before the chunk is given back to SQS (tests shorten it). */
  retry?: RetryPolicy;
}

/**
 * What processing a chunk did: PROCESSED, its rows read, checked, written and reported now; RECOUNTED, its
 * result already existed (a redelivery), so only counting and finalize were redone.
 */
export const ChunkOutcome = {
  ALREADY_FINAL: 'already-final',
  PROCESSED: 'processed',
  RECOUNTED: 'recounted',
} as const;
export type ChunkOutcome = (typeof ChunkOutcome)[keyof typeof ChunkOutcome];

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
  if (!task) throw new PipelineError(PipelineErrorCode.TASK_NOT_FOUND, `Import ${importId} does not exist`);
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
    throw new PipelineError(
      PipelineErrorCode.NOT_READY,
      `Import ${importId} is ${task.status}, not PROCESSING yet; chunk ${chunkIndex} waits`,
    );
  }
  const template = findTemplate(message.templateId);
  if (!template)
    throw new PipelineError(
      PipelineErrorCode.TEMPLATE_NOT_FOUND,
      `Template ${message.templateId} of import ${importId} does not exist`,
    );

  const existing = await tasks.getChunkResult(importId, chunkIndex);
  const result = existing ?? (await importChunk(deps, template, message, task));
  await countAndFinalize(deps, result);
  return existing ? ChunkOutcome.RECOUNTED : ChunkOutcome.PROCESSED;
};

/**
 * Reads, checks and commits one chunk, or in a check (`dryRun`) reads the store for what committing
 * would do and writes no record. In an import being cancelled, the chunk's rows are checked but not
 * committed: each row that would have been is a SYSTEM error that says who cancelled.
 */
const importChunk = async (
  deps: ProcessChunkDeps,
  template: TemplateDefinition,
  chunk: ChunkMessage,
  task: TaskRecord,
): Promise<ChunkResult> => {
  const { objects, settings } = deps;
  // A fix import's rows are numbered as in the import it fixes, from the moment they are read.
  const numbering = await rowNumberingOf(deps.tasks, task);
  const message = numberPlan(await readChunkPlan(objects, chunk), numbering);
  const rows = numberRows(await readChunkRows(objects, message, settings.MAX_RECORD_BYTES), numbering);
  const context = chunkContext(template, message, settings.MAX_RECORD_BYTES);
  const checked = rows.map((row) => checkRow(context, row));

  let writes: { row: CheckedRow; write: RowWrite }[] = [];
  for (const row of checked) {
    if (row.write) writes.push({ row, write: { rowNumber: row.rowNumber, ...row.write } });
  }
  // A cancel asked for while the rows were read stops their writes too.
  const cancel = task.cancelledBy ? task : await deps.tasks.get(message.importId);
  if (cancel?.cancelledBy) writes = await stopCancelled(deps, template, message, cancel, writes);
  const commit = task.dryRun ? checkRecords : writeRecords;
  const outcomes = await commit(
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

  const upserts =
    template.mode === 'upsert'
      ? {
          created: outcomes.filter((outcome) => outcome === 'created').length,
          updated: outcomes.filter((outcome) => outcome === 'updated').length,
        }
      : undefined;
  return storeChunkOutcome(deps, message, checked, upserts);
};

/**
 * The writes of a chunk of an import being cancelled: only rows an earlier attempt of this chunk already
 * committed stay (they are imported, and their writes answer as the first did without writing again);
 * every other row gets a SYSTEM error naming who cancelled, and is in the exceptions report to import later.
 */
const stopCancelled = async (
  deps: ProcessChunkDeps,
  template: TemplateDefinition,
  message: PlannedChunk,
  cancel: TaskRecord,
  writes: { row: CheckedRow; write: RowWrite }[],
): Promise<{ row: CheckedRow; write: RowWrite }[]> => {
  // A check wrote nothing, so nothing of it can be kept; an import's earlier attempt may have.
  const owners =
    writes.length === 0 || cancel.dryRun
      ? new Map<string, RecordOrigin | null>()
      : await deps.records.owners(
          template.templateId,
          writes.map((entry) => entry.write.key),
        );
  const kept: { row: CheckedRow; write: RowWrite }[] = [];
  for (const entry of writes) {
    if (!cancel.dryRun && !owners.has(entry.write.key))
      throw new PipelineError(
        PipelineErrorCode.RECORD_STORE_UNAVAILABLE,
        `Who wrote row ${entry.row.rowNumber} could not be read (throttled); the chunk will be retried`,
      );
    const owner = owners.get(entry.write.key);
    if (owner && owner.importId === message.importId && owner.rowNumber === entry.row.rowNumber) {
      kept.push(entry);
      continue;
    }
    entry.row.write = undefined;
    entry.row.errors.push({
      rowNumber: entry.row.rowNumber,
      errorType: ErrorType.SYSTEM,
      message: cancelledRowMessage(cancel),
    });
  }
  return kept;
};

/** "Not imported: the import was cancelled by ada at 2026-12-04 10:15 UTC". */
export const cancelledRowMessage = (
  task: Pick<TaskRecord, 'cancelledBy' | 'cancelledAt' | 'dryRun'>,
): string => {
  const when = task.cancelledAt ? ` at ${task.cancelledAt.slice(0, 16).replace('T', ' ')} UTC` : '';
  return task.dryRun
    ? `Not checked against the existing records: the check was cancelled by ${task.cancelledBy}${when}`
    : `Not imported: the import was cancelled by ${task.cancelledBy}${when}`;
};
