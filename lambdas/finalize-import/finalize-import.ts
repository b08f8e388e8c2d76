import type { Logger } from '@aws-lambda-powertools/logger';
import { finalOutcome } from '../shared/final-outcome';
import { readManifestHeader } from '../shared/manifest';
import { type FinalizeMessage, isFinalStatus, type TaskRecord, TaskStatus } from '../shared/model';
import { chunkPartKey, exceptionsKey, manifestKey, resultsKey, utf8DataKey } from '../shared/object-keys';
import { PipelineError, PipelineErrorCode } from '../shared/pipeline-error';
import type { ObjectStore, TaskStore } from '../shared/ports';
import { exceptionsHeaderLine, REPORT_BOM, REPORT_CONTENT_TYPE, resultsHeaderLine } from '../shared/reports';
import { findTemplate } from '../shared/templates';
import { concatenateObjects } from './concatenate-objects';

export type FinalizeLogger = Pick<Logger, 'info' | 'warn'>;

export interface FinalizeDeps {
  objects: ObjectStore;
  tasks: TaskStore;
  logger: FinalizeLogger;
  /** Clock for `endedAt`; the system clock unless a test pins it. */
  now?: () => Date;
}

/** Work objects removed at the end are deleted this many at a time. */
const DELETE_CONCURRENCY = 16;

interface ReadyTask {
  task: TaskRecord;
  chunkCount: number;
  /** The attempt of each chunk's standing result: its report parts are those. */
  attempts: Map<number, string | undefined>;
  header: readonly string[];
  keyColumn: string;
}

/** Checks that every chunk is counted and validation left what the reports need; throws otherwise. */
const readyToFinalize = async (
  objects: ObjectStore,
  tasks: TaskStore,
  task: TaskRecord,
): Promise<ReadyTask> => {
  const { importId, status, chunkCount, chunksDone = 0 } = task;
  if (status !== TaskStatus.PROCESSING) {
    throw new PipelineError(PipelineErrorCode.NOT_READY, `Task ${importId} is ${status}, not PROCESSING`);
  }
  if (chunkCount === undefined || chunksDone < chunkCount) {
    throw new PipelineError(
      PipelineErrorCode.NOT_READY,
      `Task ${importId} has ${chunksDone} of ${chunkCount ?? 'unknown'} chunks counted`,
    );
  }
  const template = findTemplate(task.templateId);
  // Tasks planned before the header moved to the manifest keep it on the task.
  const header = task.header ?? (template ? await readManifestHeader(objects, importId) : undefined);
  if (!template || !header) {
    throw new PipelineError(
      PipelineErrorCode.INCONSISTENT_TASK,
      template
        ? `Task ${importId} has no stored header`
        : `Task ${importId} names unknown template ${task.templateId}`,
    );
  }
  return {
    task,
    chunkCount,
    attempts: await tasks.listChunkAttempts(importId),
    header,
    keyColumn: template.key,
  };
};

const partKeys = (ready: ReadyTask, kind: 'exceptions' | 'results'): string[] =>
  Array.from({ length: ready.chunkCount }, (_, index) =>
    chunkPartKey(ready.task.importId, kind, index, ready.attempts.get(index)),
  );

/** Both reports are always written, header only when nothing failed, so every download link works. */
const writeReports = async (objects: ObjectStore, ready: ReadyTask): Promise<void> => {
  const { importId } = ready.task;
  await concatenateObjects(objects, {
    key: exceptionsKey(importId),
    contentType: REPORT_CONTENT_TYPE,
    head: REPORT_BOM + exceptionsHeaderLine(ready.header),
    partKeys: partKeys(ready, 'exceptions'),
  });
  await concatenateObjects(objects, {
    key: resultsKey(importId),
    contentType: REPORT_CONTENT_TYPE,
    head: REPORT_BOM + resultsHeaderLine(ready.keyColumn),
    partKeys: partKeys(ready, 'results'),
  });
};

/**
 * Removes the import's work objects (report parts, manifest, transcoded copy). Best effort: the reports
 * and the final status are already stored, so a failure here is logged and the bucket's lifecycle rule
 * on `work/` collects what is left.
 */
const removeWorkObjects = async (deps: FinalizeDeps, ready: ReadyTask): Promise<void> => {
  const { importId, dataKey } = ready.task;
  const keys = [
    ...partKeys(ready, 'exceptions'),
    ...partKeys(ready, 'results'),
    manifestKey(importId),
    ...(dataKey === utf8DataKey(importId) ? [dataKey] : []),
  ];
  const failed: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let key = keys[next++]; key !== undefined; key = keys[next++]) {
      try {
        await deps.objects.delete(key);
      } catch (error) {
        failed.push(key);
        deps.logger.warn('Could not delete a work object', { importId, key, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  deps.logger.info('Work objects removed', { importId, removed: keys.length - failed.length, failed });
};

/**
 * What a fix import imported (its rows but the failed ones, under its parent's numbers), recorded as fixed
 * on every import it fixes, so their `outstandingRows` count it. Before the final status: a redelivery
 * writes the same items again, and a reader never sees a fix ended whose rows are not counted yet.
 */
const recordFixedRows = async (tasks: TaskStore, task: TaskRecord): Promise<void> => {
  if (task.fixRows === undefined || task.dryRun || !task.fixAncestors?.length) return;
  const numbers = await tasks.getRowNumbers(task.importId);
  if (!numbers)
    throw new PipelineError(
      PipelineErrorCode.INCONSISTENT_TASK,
      `Fix import ${task.importId} has no record of its rows' numbers`,
    );
  const failed = new Set<number>();
  let after: Record<string, unknown> | undefined;
  do {
    const page = await tasks.listRowErrors(task.importId, 1000, after);
    for (const error of page.items) failed.add(error.rowNumber);
    after = page.next;
  } while (after);
  const imported = numbers.filter((row) => !failed.has(row));
  for (const ancestor of task.fixAncestors) await tasks.putFixedRows(ancestor, task.importId, imported);
};

/**
 * Ends an import once its last chunk is counted: writes the exceptions and Result Data reports from the
 * chunks' parts, sets the final status, then removes the work objects. Safe to run twice or after a crash
 * half-way: a task already final is left alone, reports are rewritten whole, and the status changes only
 * from PROCESSING (a conditional write). Throws (so the message is retried) while the task is not ready.
 *
 * @returns the task as it stands at the end: finalized now or earlier.
 */
export const finalizeImport = async (deps: FinalizeDeps, message: FinalizeMessage): Promise<TaskRecord> => {
  const { importId } = message;
  const task = await deps.tasks.get(importId);
  if (!task) throw new PipelineError(PipelineErrorCode.TASK_NOT_FOUND, `Task ${importId} does not exist`);
  if (isFinalStatus(task.status)) {
    deps.logger.info('Task already final; nothing to finalize', { importId, status: task.status });
    return task;
  }
  const ready = await readyToFinalize(deps.objects, deps.tasks, task);
  await writeReports(deps.objects, ready);
  await recordFixedRows(deps.tasks, task);

  const outcome = finalOutcome(task);
  const endedAt = (deps.now?.() ?? new Date()).toISOString();
  const finalTask = await deps.tasks.transition(importId, [TaskStatus.PROCESSING], outcome.status, {
    statusReason: outcome.statusReason,
    endedAt,
  });
  if (!finalTask) {
    // Another delivery of this message (or an operator) got there first.
    const current = await deps.tasks.get(importId);
    if (current && isFinalStatus(current.status)) {
      deps.logger.info('Task was finalized concurrently', { importId, status: current.status });
      return current;
    }
    throw new PipelineError(
      PipelineErrorCode.NOT_READY,
      `Task ${importId} left PROCESSING for ${current?.status ?? 'nowhere'} while finalizing`,
    );
  }
  deps.logger.info('Import finalized', {
    importId,
    status: finalTask.status,
    successCount: finalTask.successCount,
    errorCount: finalTask.errorCount,
  });

  await removeWorkObjects(deps, ready);
  return finalTask;
};
