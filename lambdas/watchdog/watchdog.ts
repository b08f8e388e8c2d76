import type { Logger } from '@aws-lambda-powertools/logger';
import type { AccountId } from '../shared/account';
import { type GiveUpDeps, giveUpChunk } from '../shared/chunks/give-up';
import type { WatchdogTimeoutSettings } from '../shared/config';
import { type Manifest, messageOf, readManifest, sendInGroups } from '../shared/manifest';
import {
  type ChunkMessage,
  type FinalizeMessage,
  type PlannedChunk,
  type StartMessage,
  type TaskRecord,
  TaskStatus,
} from '../shared/model';
import type { ImportSlots, MessageQueue, ObjectStore, OpenTaskIndex, TaskStore } from '../shared/ports';
import { EndOutcome, endFromCounters, endTask } from '../shared/task-endings';

/**
 * Ends tasks left in a non-final status (DESIGN §2: no task stays non-final forever). Run on a schedule, it
 * reads only open tasks (a sparse index) and acts on those idle (`updatedAt`) past their status's timeout,
 * which is longer than a message's every retry, so healthy work is never cut short. Every change is
 * conditional (a status transition, a chunk counted once, a result stored only if absent), so a watchdog
 * racing a late worker, or two watchdogs, change nothing twice.
 */

/** What the watchdog works with on one task: its account's stores and queues. */
export interface TaskWatchDeps extends GiveUpDeps {
  tasks: TaskStore;
  objects: ObjectStore;
  /** Chunk messages validate-file planned but may not have sent are sent from the manifest first. */
  chunks: MessageQueue<ChunkMessage>;
  finalize: MessageQueue<FinalizeMessage>;
  /** The account's import slots and the intake queue: a waiting import is sent on to start. */
  slots?: ImportSlots;
  starts?: MessageQueue<StartMessage>;
  timeouts: WatchdogTimeoutSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  now?: () => Date;
}

export interface WatchdogDeps {
  /** The open tasks of every account. */
  openTasks: OpenTaskIndex;
  /** Each task is acted on through its own account's stores and queues alone. */
  forAccount(account: AccountId): TaskWatchDeps;
  logger: Pick<Logger, 'warn'>;
}

export const WatchdogAction = {
  /** Not idle long enough: nothing done. */
  WAITING: 'waiting',
  UPLOAD_ENDED: 'upload-ended',
  VALIDATION_ENDED: 'validation-ended',
  /** PROCESSING with chunk messages never all sent: the uncounted ones were sent from the manifest. */
  CHUNKS_RESENT: 'chunks-resent',
  CHUNKS_GIVEN_UP: 'chunks-given-up',
  FINALIZE_RESENT: 'finalize-resent',
  ENDED_FROM_COUNTERS: 'ended-from-counters',
  /** Changed by someone else meanwhile, or in a state the watchdog leaves to an operator (logged). */
  SKIPPED: 'skipped',
} as const;
export type WatchdogAction = (typeof WatchdogAction)[keyof typeof WatchdogAction];

export interface WatchdogSummary {
  open: number;
  actions: { account: AccountId; importId: string; status: string; action: WatchdogAction }[];
  failures: { account: AccountId; importId: string; error: string }[];
}

const PAGE_SIZE = 100;

/** "45 seconds", "12 minutes", "4.5 hours": how long, as the reason tells the admin. */
export const formatDuration = (seconds: number): string => {
  if (seconds < 120) return `${seconds} seconds`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 360) / 10} hours`;
};

export const runWatchdog = async (deps: WatchdogDeps): Promise<WatchdogSummary> => {
  const summary: WatchdogSummary = { open: 0, actions: [], failures: [] };
  let after: Record<string, unknown> | undefined;
  do {
    const page = await deps.openTasks.listOpen(PAGE_SIZE, after);
    for (const { account, task } of page.items) {
      summary.open += 1;
      try {
        const action = await watchTask(deps.forAccount(account), task);
        if (action !== WatchdogAction.WAITING) {
          summary.actions.push({ account, importId: task.importId, status: task.status, action });
          deps.logger.warn('Watchdog acted on an idle task', {
            account,
            importId: task.importId,
            status: task.status,
            action,
          });
        }
      } catch (error) {
        // One task's failure does not keep the others waiting; the run reports it (and fails) at the end.
        summary.failures.push({
          account,
          importId: task.importId,
          error: error instanceof Error ? error.message : String(error),
        });
        deps.logger.warn('Watchdog could not end a task', { account, importId: task.importId, error });
      }
    }
    after = page.next;
  } while (after);
  return summary;
};

const manifestChunk = (manifest: Manifest, importId: string, index: number): PlannedChunk => {
  const chunk = manifest.chunks[index];
  if (!chunk) throw new Error(`Import ${importId} has no chunk ${index} in its manifest`);
  return chunk;
};

const idleSeconds = (deps: TaskWatchDeps, task: TaskRecord): number =>
  ((deps.now?.() ?? new Date()).getTime() - Date.parse(task.updatedAt ?? task.createdAt)) / 1000;

const watchTask = async (deps: TaskWatchDeps, task: TaskRecord): Promise<WatchdogAction> => {
  const idle = idleSeconds(deps, task);
  const { timeouts } = deps;
  switch (task.status) {
    case TaskStatus.PENDING:
      // Waiting for a slot of its account is not idling: the file is there, and it starts when a slot
      // frees. A start is sent on every pass too, in case the one its slot's release sent was lost.
      if (task.waitingSince && deps.starts) {
        await deps.starts.send([{ kind: 'start', objectKey: task.objectKey }]);
        return WatchdogAction.WAITING;
      }
      return idle < timeouts.WATCHDOG_PENDING_TIMEOUT_SECONDS
        ? WatchdogAction.WAITING
        : endPending(deps, task);
    case TaskStatus.VALIDATING: {
      if (idle < timeouts.WATCHDOG_VALIDATING_TIMEOUT_SECONDS) return WatchdogAction.WAITING;
      const within = formatDuration(timeouts.WATCHDOG_VALIDATING_TIMEOUT_SECONDS);
      return (await fail(
        deps,
        task,
        TaskStatus.VALIDATING,
        `The file check did not finish within ${within}: upload the file again`,
      ))
        ? WatchdogAction.VALIDATION_ENDED
        : WatchdogAction.SKIPPED;
    }
    case TaskStatus.PROCESSING:
      return watchProcessing(deps, task, idle);
    default:
      return WatchdogAction.SKIPPED;
  }
};

/** An upload never completed (abort it, so its parts stop costing storage), or completed and never checked. */
const endPending = async (deps: TaskWatchDeps, task: TaskRecord): Promise<WatchdogAction> => {
  if (task.uploadId) {
    try {
      await deps.objects.abortMultipartUpload(task.objectKey, task.uploadId);
    } catch (error) {
      // Completed or aborted already; the bucket's rule for incomplete uploads collects anything left.
      deps.logger.warn('Could not abort the multipart upload of an idle task', {
        importId: task.importId,
        error,
      });
    }
  }
  const within = formatDuration(deps.timeouts.WATCHDOG_PENDING_TIMEOUT_SECONDS);
  const stored = await deps.objects.head(task.objectKey);
  const reason = stored
    ? `The file was uploaded but its check did not start within ${within}: upload the file again`
    : `The upload was not completed within ${within}: upload the file again`;
  return (await fail(deps, task, TaskStatus.PENDING, reason))
    ? WatchdogAction.UPLOAD_ENDED
    : WatchdogAction.SKIPPED;
};

/** Ends the task FAILED from `from`; an emailed one goes on to the reply step. False when it had moved on. */
const fail = async (
  deps: TaskWatchDeps,
  task: TaskRecord,
  from: TaskStatus,
  reason: string,
): Promise<boolean> =>
  (await endTask(
    { tasks: deps.tasks, replies: deps.finalize, slots: deps.slots, starts: deps.starts },
    task.importId,
    [from],
    TaskStatus.FAILED,
    {
      statusReason: reason,
      endedAt: (deps.now?.() ?? new Date()).toISOString(),
    },
  )) !== undefined;

const watchProcessing = async (
  deps: TaskWatchDeps,
  task: TaskRecord,
  idle: number,
): Promise<WatchdogAction> => {
  const { timeouts } = deps;
  const { chunkCount } = task;
  if (chunkCount === undefined) {
    deps.logger.warn('PROCESSING task without a chunk count; left to an operator', {
      importId: task.importId,
    });
    return WatchdogAction.SKIPPED;
  }
  const counted = new Set(task.countedChunks ?? []);
  const uncounted = Array.from({ length: chunkCount }, (_, index) => index).filter(
    (index) => !counted.has(index),
  );
  if (uncounted.length > 0) {
    if (idle < timeouts.WATCHDOG_PROCESSING_TIMEOUT_SECONDS) return WatchdogAction.WAITING;
    const manifest = await readManifest(deps.objects, task.importId);
    if (!manifest) throw new Error(`Import ${task.importId} is PROCESSING but has no chunk manifest`);
    if (!task.chunksEnqueued) {
      // validate-file died between PROCESSING and its last send; its intake redelivery (after the intake
      // queue's visibility timeout, which on AWS is longer than this timeout) would send them. Nothing was
      // ever given a chance, so send the chunks not counted yet, and give up only if they too go unfinished.
      await sendInGroups(deps.chunks, uncounted.length, (at: number) =>
        messageOf(manifestChunk(manifest, task.importId, uncounted[at] ?? -1)),
      );
      // Restarts the idle clock: the sent chunks get a whole timeout before anything is given up.
      await deps.tasks.update(task.importId, {
        chunksEnqueued: true,
        updatedAt: (deps.now?.() ?? new Date()).toISOString(),
      });
      return WatchdogAction.CHUNKS_RESENT;
    }
    const why = `was not finished within ${formatDuration(timeouts.WATCHDOG_PROCESSING_TIMEOUT_SECONDS)}`;
    // The same give-up as a chunk's last receive; the one that completes the count sends finalize.
    for (const index of uncounted)
      await giveUpChunk(deps, manifestChunk(manifest, task.importId, index), why);
    return WatchdogAction.CHUNKS_GIVEN_UP;
  }
  if (idle < timeouts.WATCHDOG_FINALIZING_TIMEOUT_SECONDS) return WatchdogAction.WAITING;
  if (!task.finalizeResentAt) {
    // The finalize message may have been lost or dead-lettered: one more try, which also restarts the clock.
    await deps.finalize.send([{ kind: 'finalize', importId: task.importId }]);
    await deps.tasks.update(task.importId, { finalizeResentAt: (deps.now?.() ?? new Date()).toISOString() });
    return WatchdogAction.FINALIZE_RESENT;
  }
  const within = formatDuration(timeouts.WATCHDOG_FINALIZING_TIMEOUT_SECONDS);
  const { outcome } = await endFromCounters(
    { ...deps, replies: deps.finalize },
    task.importId,
    `the exceptions and Result Data reports were not written within ${within}`,
  );
  return outcome === EndOutcome.ENDED ? WatchdogAction.ENDED_FROM_COUNTERS : WatchdogAction.SKIPPED;
};
