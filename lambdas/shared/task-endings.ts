import type { Logger } from '@aws-lambda-powertools/logger';
import { finalOutcome } from './final-outcome';
import { releaseSlots } from './import-slots';
import {
  type FinalizeMessage,
  isFinalStatus,
  type StartMessage,
  type TaskRecord,
  TaskSource,
  TaskStatus,
} from './model';
import type { ImportSlots, MessageQueue, TaskStore } from './ports';

/**
 * How a task ends, for every stage that ends one (validate-file, finalize-import, the watchdog, email
 * ingest): a conditional transition to a final status, then, for a task that came by email, a `reply`
 * message, so the reply step answers the email once all of its tasks are final. Nothing else sends it.
 */

export interface EndingDeps {
  tasks: TaskStore;
  /**
   * Where emailed tasks are handed to the reply step (the finalize queue). Only a deployment with email
   * imports has emailed tasks; ending one without it is a wiring error and throws.
   */
  replies?: MessageQueue<FinalizeMessage>;
  /**
   * The account's import slots and the way to start a waiting import: an ended task gives its slot back.
   * (Where a function lacks them, the next import to start frees the slots of ended ones itself.)
   */
  slots?: ImportSlots;
  starts?: MessageQueue<StartMessage>;
}

/**
 * What follows every ending: the emailed tasks go on to the reply step, and the slots of the ended ones
 * are given back (the oldest import waiting for one is sent on to start). Both are idempotent.
 */
export const afterEnding = async (deps: EndingDeps, tasks: readonly TaskRecord[]): Promise<void> => {
  await handToReply(deps, tasks);
  const { slots, starts } = deps;
  if (slots && starts) await releaseSlots({ tasks: deps.tasks, slots, starts }, tasks);
};

/**
 * Sends a `reply` message for each emailed task among `tasks` (all final). The reply step is idempotent,
 * so handing a task over twice (a retried event) sends one reply. Returns how many were handed over.
 */
export const handToReply = async (
  deps: Pick<EndingDeps, 'replies'>,
  tasks: readonly TaskRecord[],
): Promise<number> => {
  const emailed = tasks.filter((task) => task.source === TaskSource.EMAIL);
  if (emailed.length === 0) return 0;
  if (!deps.replies)
    throw new Error(
      `Emailed task ${emailed[0]?.importId} ended, but this function has no queue to the reply step (FINALIZE_QUEUE_URL)`,
    );
  await deps.replies.send(emailed.map((task) => ({ kind: 'reply', importId: task.importId })));
  return emailed.length;
};

/**
 * Ends a task: `from` → `to` (a final status) with `fields`, only if it is still in one of `from`, and hands
 * it to the reply step when it came by email. Returns the ended task, or `undefined` when it had moved on.
 */
export const endTask = async (
  deps: EndingDeps,
  importId: string,
  from: readonly TaskStatus[],
  to: TaskStatus,
  fields: Partial<TaskRecord>,
): Promise<TaskRecord | undefined> => {
  const ended = await deps.tasks.transition(importId, from, to, fields);
  if (ended) await afterEnding(deps, [ended]);
  return ended;
};

/**
 * What ending a task without its reports did. NOT_READY: it is not PROCESSING with every chunk counted, so
 * its counters are not the whole file and it is left alone.
 */
export const EndOutcome = { ENDED: 'ended', ALREADY_FINAL: 'already-final', NOT_READY: 'not-ready' } as const;
export type EndOutcome = (typeof EndOutcome)[keyof typeof EndOutcome];

/**
 * Gives a task whose chunks are all counted its final status from its counters when its reports cannot be
 * written (finalize failed on its last receive, or the watchdog found it stuck), with `note` saying so in
 * the reason. Conditional on PROCESSING, so a finalization that succeeds meanwhile is never overwritten.
 */
export const endFromCounters = async (
  deps: EndingDeps & { logger: Pick<Logger, 'warn'>; now?: () => Date },
  importId: string,
  note: string,
): Promise<{ outcome: EndOutcome; task?: TaskRecord }> => {
  const task = await deps.tasks.get(importId);
  if (!task) return { outcome: EndOutcome.NOT_READY };
  if (isFinalStatus(task.status)) return { outcome: EndOutcome.ALREADY_FINAL, task };
  const { chunkCount, chunksDone = 0 } = task;
  if (task.status !== TaskStatus.PROCESSING || chunkCount === undefined || chunksDone < chunkCount) {
    return { outcome: EndOutcome.NOT_READY, task };
  }
  const outcome = finalOutcome(task, note);
  const ended = await endTask(deps, importId, [TaskStatus.PROCESSING], outcome.status, {
    statusReason: outcome.statusReason,
    endedAt: (deps.now?.() ?? new Date()).toISOString(),
  });
  if (!ended) {
    const current = await deps.tasks.get(importId);
    return current ? { outcome: EndOutcome.ALREADY_FINAL, task: current } : { outcome: EndOutcome.NOT_READY };
  }
  deps.logger.warn('Task ended from its counters without reports', { importId, status: ended.status, note });
  return { outcome: EndOutcome.ENDED, task: ended };
};
