import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChunkingSettings, ImportLimitSettings } from '../shared/config';
import { FileRejectedError } from '../shared/errors';
import { storedSizeProblem } from '../shared/file-limits';
import { takeSlot } from '../shared/import-slots';
import { type ManifestChunk, messageOf, readManifest, sendInGroups, writeManifest } from '../shared/manifest';
import { mappingHeader } from '../shared/mapping/saved';
import { mappingIdOf } from '../shared/mapping/saved-id';
import {
  type ChunkMessage,
  isFinalStatus,
  type StartMessage,
  type TaskRecord,
  TaskStatus,
} from '../shared/model';
import { importIdFromUploadKey, utf8DataKey } from '../shared/object-keys';
import { PipelineError, PipelineErrorCode } from '../shared/pipeline-error';
import type { ImportSlots, MappingStore, MessageQueue, ObjectStore, TaskStore } from '../shared/ports';
import { sqsBodyProblem } from '../shared/queue-limits';
import { reportColumnCount } from '../shared/reports';
import { afterEnding, type EndingDeps, endTask } from '../shared/task-endings';
import { findTemplate } from '../shared/templates';
import { chooseReading, type FileReading, resolveOrders } from './choose-reading';
import { type FileScan, scanFile } from './scan-file';

export interface ValidateFileDeps extends EndingDeps {
  objects: ObjectStore;
  tasks: TaskStore;
  chunks: MessageQueue<ChunkMessage>;
  /** The account's imports in flight: an import starts only with a slot of its own. */
  slots: ImportSlots;
  starts: MessageQueue<StartMessage>;
  /** The account's saved mappings: an emailed file is read with its header's; a given mapping is saved. */
  mappings: MappingStore;
  settings: ChunkingSettings & ImportLimitSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** What one call did; the handler logs it and tests assert it. */
export const ValidateOutcome = {
  /** The key is not an upload of a task (or not this task's file). */
  IGNORED: 'ignored',
  ALREADY_FINAL: 'already-final',
  /** Cancelled while it was being validated: ended FAILED, no chunk planned. */
  CANCELLED: 'cancelled',
  ALREADY_ENQUEUED: 'already-enqueued',
  /** PROCESSING without `chunksEnqueued`: the manifest's messages were sent again. */
  RESENT: 'resent',
  /** Another delivery moved the task on while this one worked; it finishes the job. */
  SUPERSEDED: 'superseded',
  VALIDATION_FAILED: 'validation-failed',
  NOTHING_TO_IMPORT: 'nothing-to-import',
  ENQUEUED: 'enqueued',
  /** Its account has as many imports in flight as it may: it stays PENDING and starts when one ends. */
  WAITING: 'waiting',
} as const;
export type ValidateOutcome = (typeof ValidateOutcome)[keyof typeof ValidateOutcome];

/**
 * Validates one uploaded file and plans its import: VALIDATING → PROCESSING with its chunk messages
 * sent, or a final status (VALIDATION_FAILED, NOTHING_TO_IMPORT) with a reason. Idempotent under
 * duplicate S3 events and redelivery. Throws only for transient faults (and for a task that does not
 * exist yet), so the message is retried.
 */
export const validateFile = async (deps: ValidateFileDeps, objectKey: string): Promise<ValidateOutcome> => {
  const { tasks, logger } = deps;
  const importId = importIdFromUploadKey(objectKey);
  if (!importId) {
    logger.info('Object is not an import upload; ignored', { objectKey });
    return ValidateOutcome.IGNORED;
  }
  const task = await tasks.get(importId);
  if (!task)
    throw new PipelineError(
      PipelineErrorCode.TASK_NOT_FOUND,
      `Import ${importId} does not exist (yet); the event will be retried`,
    );
  if (task.objectKey !== objectKey) {
    logger.warn('Object is not the file of its import; ignored', { objectKey, expected: task.objectKey });
    return ValidateOutcome.IGNORED;
  }
  if (isFinalStatus(task.status)) {
    logger.info('Task already final; upload event dropped', { importId, status: task.status });
    // A retried event whose first delivery ended the task but failed to hand it to the reply step.
    await afterEnding(deps, [task]);
    return ValidateOutcome.ALREADY_FINAL;
  }
  if (task.status === TaskStatus.PROCESSING) {
    return task.chunksEnqueued ? ValidateOutcome.ALREADY_ENQUEUED : resendChunks(deps, task);
  }

  if (
    task.status === TaskStatus.PENDING &&
    !(await takeSlot(deps, importId, deps.settings.IMPORTS_IN_FLIGHT))
  ) {
    if (!task.waitingSince) await tasks.update(importId, { waitingSince: new Date().toISOString() });
    logger.info('Import waits for a free slot of its account', { importId });
    return ValidateOutcome.WAITING;
  }
  const started = await tasks.transition(
    importId,
    [TaskStatus.PENDING, TaskStatus.VALIDATING],
    TaskStatus.VALIDATING,
    { startedAt: task.startedAt ?? new Date().toISOString() },
  );
  if (!started) return ValidateOutcome.SUPERSEDED;
  // Cancelled while it was being validated, before a crash: nothing more to read.
  if (started.cancelledBy) return endCancelled(deps, started, {});

  try {
    return await validateAndPlan(deps, started);
  } catch (error) {
    if (!(error instanceof FileRejectedError)) throw error;
    return reject(deps, importId, error.reason);
  }
};

const validateAndPlan = async (deps: ValidateFileDeps, task: TaskRecord): Promise<ValidateOutcome> => {
  const { objects, tasks, settings, logger } = deps;
  const template = findTemplate(task.templateId);
  if (!template) throw new FileRejectedError(`Unknown template: ${task.templateId}`);

  const head = await objects.head(task.objectKey);
  if (!head) throw new FileRejectedError('The uploaded file was not found: upload it again');
  if (head.size === 0) throw new FileRejectedError('The file is empty');
  const sizeProblem = storedSizeProblem(head.size, task.fileSize);
  if (sizeProblem) {
    // Refused for its size, the file is never imported: it is not kept for the bucket's retention.
    await objects.delete(task.objectKey);
    throw new FileRejectedError(sizeProblem);
  }

  const reading = await chooseReading(deps, task, template, head.size);
  const scan = await scanFile({
    objects,
    sourceKey: task.objectKey,
    utf8Key: utf8DataKey(task.importId),
    template,
    limits: {
      maxRecordBytes: settings.MAX_RECORD_BYTES,
      chunkMaxRows: settings.CHUNK_MAX_ROWS,
      chunkMaxBytes: settings.CHUNK_MAX_BYTES,
    },
    ...(reading.mapping ? { mapping: reading.mapping } : {}),
  });
  if (reading.origin === 'given' && reading.mapping) await saveMapping(deps, task, reading, scan.header);
  const orders = resolveOrders(scan.dateOrders, reading);
  const detected = { encoding: scan.encoding, delimiter: scan.delimiter, formats: orders.detected };
  if (orders.problems.length > 0) {
    await tasks.update(task.importId, { detected });
    throw new FileRejectedError(orders.problems.join('; '));
  }
  const formats = Object.keys(orders.formats).length > 0 ? orders.formats : undefined;
  logger.info('File scanned', {
    importId: task.importId,
    encoding: scan.encoding,
    delimiter: scan.delimiter,
    dataRows: scan.dataRows,
    chunks: scan.chunks.length,
  });
  // The header goes to the manifest, not the task: the task item is rewritten on every chunk counted.
  const planned = {
    dataKey: scan.dataKey,
    warnings: scan.warnings,
    fileSize: head.size,
    // What the task shows of how the file was read (DESIGN §9): as used, and as detected.
    ...(reading.mapping ? { mapping: reading.mapping } : {}),
    ...(formats ? { formats } : {}),
    ...(reading.defaultCountry ? { defaultCountry: reading.defaultCountry } : {}),
    detected,
  };

  if (scan.dataRows === 0) {
    const ended = await endTask(deps, task.importId, [TaskStatus.VALIDATING], TaskStatus.NOTHING_TO_IMPORT, {
      ...planned,
      totalRows: 0,
      statusReason: 'The file has a header but no data rows',
      endedAt: new Date().toISOString(),
    });
    return ended ? ValidateOutcome.NOTHING_TO_IMPORT : ValidateOutcome.SUPERSEDED;
  }

  const chunkCount = scan.chunks.length;
  const messageAt = await writeManifest(
    objects,
    task.importId,
    {
      header: scan.header,
      columnMap: scan.columnMap,
      ...(Object.keys(scan.constants).length > 0 ? { constants: scan.constants } : {}),
      ...(formats ? { formats } : {}),
      ...(reading.defaultCountry ? { defaultCountry: reading.defaultCountry } : {}),
    },
    chunkCount,
    (index) => manifestChunk(task, scan, index, chunkCount),
  );
  // Refused now, with a reason, rather than by SQS once the task is PROCESSING and nothing can be sent.
  const unsendable = unsendableChunk(chunkCount, messageAt);
  if (unsendable) throw new FileRejectedError(unsendable);
  const chunkWindow = await chunkWindowOf(deps, chunkCount);
  // Not once the import is cancelled: then it ends here, nothing imported.
  const processing = await tasks.transition(
    task.importId,
    [TaskStatus.VALIDATING],
    TaskStatus.PROCESSING,
    {
      ...planned,
      totalRows: scan.dataRows,
      chunkCount,
      chunksDone: 0,
      ...(chunkWindow === undefined ? {} : { chunkWindow }),
    },
    ['cancelledBy'],
  );
  if (!processing) {
    const now = await tasks.get(task.importId);
    if (now?.status === TaskStatus.VALIDATING && now.cancelledBy)
      return endCancelled(deps, now, { ...planned, totalRows: scan.dataRows });
    // Another delivery got there first: it sends the chunks (or its redelivery re-sends them).
    return ValidateOutcome.SUPERSEDED;
  }
  await sendInGroups(deps.chunks, chunkWindow ?? chunkCount, messageAt);
  await tasks.update(task.importId, { chunksEnqueued: true });
  return ValidateOutcome.ENQUEUED;
};

/** Saves the mapping an import was created with for its template and header (DESIGN §9). */
const saveMapping = async (
  deps: ValidateFileDeps,
  task: TaskRecord,
  reading: FileReading,
  header: readonly string[],
): Promise<void> => {
  if (!reading.mapping) return;
  const names = mappingHeader(header);
  await deps.mappings.put({
    mappingId: mappingIdOf(names),
    templateId: task.templateId,
    header: names,
    mapping: reading.mapping,
    ...(reading.formats ? { formats: reading.formats } : {}),
    ...(reading.defaultCountry ? { defaultCountry: reading.defaultCountry } : {}),
    updatedAt: new Date().toISOString(),
    updatedBy: task.createdBy,
  });
};

/**
 * The import's window: its account's `CHUNK_WINDOW` shared by the account's imports in flight (this one
 * among them), at least 2 so that a worker always finds its next chunk queued. Undefined when every chunk
 * fits in it: they are all sent now.
 */
const chunkWindowOf = async (deps: ValidateFileDeps, chunkCount: number): Promise<number | undefined> => {
  const inFlight = Math.max(1, (await deps.slots.read()).running.length);
  const window = Math.max(2, Math.ceil(deps.settings.CHUNK_WINDOW / inFlight));
  return window < chunkCount ? window : undefined;
};

const manifestChunk = (
  task: TaskRecord,
  scan: FileScan,
  index: number,
  chunkCount: number,
): ManifestChunk => {
  const chunk = scan.chunks[index];
  if (!chunk) throw new RangeError(`No chunk ${index} in a plan of ${chunkCount}`);
  const duplicates: [number, number][] = [];
  for (let at = 0; at + 1 < chunk.duplicates.length; at += 2) {
    duplicates.push([chunk.duplicates[at] ?? 0, chunk.duplicates[at + 1] ?? 0]);
  }
  return {
    message: {
      kind: 'chunk',
      importId: task.importId,
      templateId: task.templateId,
      chunkIndex: index,
      chunkCount,
      dataKey: scan.dataKey,
      start: chunk.start,
      end: chunk.end,
      firstRowNumber: chunk.firstRowNumber,
      rowCount: chunk.records - chunk.blankRows.length,
      ...(chunk.blankRows.length > 0 ? { blankRows: chunk.blankRows } : {}),
      delimiter: scan.delimiter,
      reportColumns: reportColumnCount(scan.header),
      oversized: chunk.oversized,
    },
    duplicates,
  };
};

/** Why a chunk's message could not go on the queue, as the admin reads it; undefined when all can. */
const unsendableChunk = (
  chunkCount: number,
  messageAt: (index: number) => ChunkMessage,
): string | undefined => {
  for (let index = 0; index < chunkCount; index += 1) {
    const message = messageAt(index);
    const problem = sqsBodyProblem(JSON.stringify(message));
    if (problem) {
      const rows = `rows ${message.firstRowNumber.toLocaleString('en-US')}–${(message.firstRowNumber + (message.rowCount ?? 0) - 1).toLocaleString('en-US')}`;
      return `The file could not be queued for import: the plan of ${rows} ${problem}. Split the file into smaller files and upload them`;
    }
  }
  return undefined;
};

const resendChunks = async (deps: ValidateFileDeps, task: TaskRecord): Promise<ValidateOutcome> => {
  const manifest = await readManifest(deps.objects, task.importId);
  if (!manifest) {
    // The manifest is written before the task can reach PROCESSING, so this is not a state we make.
    throw new Error(`Import ${task.importId} is PROCESSING but has no chunk manifest`);
  }
  deps.logger.warn('Chunk messages were not all sent; sending them again', {
    importId: task.importId,
    chunks: manifest.chunks.length,
  });
  // An import sent in a window: its first window (the rest follow as those are counted).
  await sendInGroups(
    deps.chunks,
    Math.min(task.chunkWindow ?? manifest.chunks.length, manifest.chunks.length),
    (index) => {
      const chunk = manifest.chunks[index];
      if (!chunk) throw new RangeError(`No chunk ${index} in the manifest`);
      return messageOf(chunk);
    },
  );
  await deps.tasks.update(task.importId, { chunksEnqueued: true });
  return ValidateOutcome.RESENT;
};

/**
 * Ends a task whose file could not be checked (validation failed on its intake message's last receive):
 * FAILED with the cause, unless the task already moved on (PROCESSING or final). An emailed task goes on
 * to the reply step. Returns whether it ended the task.
 */
export const giveUpValidation = async (
  deps: EndingDeps & { logger: Pick<Logger, 'warn'> },
  objectKey: string,
  why: string,
): Promise<boolean> => {
  const importId = importIdFromUploadKey(objectKey);
  if (!importId) return false;
  const ended = await endTask(
    deps,
    importId,
    [TaskStatus.PENDING, TaskStatus.VALIDATING],
    TaskStatus.FAILED,
    {
      statusReason: `The file could not be checked: ${why}. Upload it again.`,
      endedAt: new Date().toISOString(),
    },
  );
  if (!ended) return false;
  deps.logger.warn('Validation given up', { importId, why });
  return true;
};

const reject = async (deps: ValidateFileDeps, importId: string, reason: string): Promise<ValidateOutcome> => {
  deps.logger.info('File rejected', { importId, reason });
  const ended = await endTask(deps, importId, [TaskStatus.VALIDATING], TaskStatus.VALIDATION_FAILED, {
    statusReason: reason,
    endedAt: new Date().toISOString(),
  });
  return ended ? ValidateOutcome.VALIDATION_FAILED : ValidateOutcome.SUPERSEDED;
};

/** Ends an import cancelled while its file was being validated: FAILED, nothing imported. */
const endCancelled = async (
  deps: ValidateFileDeps,
  task: TaskRecord,
  fields: Partial<TaskRecord>,
): Promise<ValidateOutcome> => {
  const ended = await endTask(deps, task.importId, [TaskStatus.VALIDATING], TaskStatus.FAILED, {
    ...fields,
    statusReason: `Cancelled by ${task.cancelledBy} while the file was being validated: nothing was ${task.dryRun ? 'checked' : 'imported'}`,
    endedAt: new Date().toISOString(),
  });
  deps.logger.info('Cancelled import ended before its chunks were planned', { importId: task.importId });
  return ended ? ValidateOutcome.CANCELLED : ValidateOutcome.SUPERSEDED;
};
