import { isFinalStatus, type StartMessage, type TaskRecord, TaskStatus } from './model';
import type { ImportSlots, MessageQueue, TaskStore } from './ports';

/**
 * Imports in flight per account (DESIGN §11): an import holds one of its account's slots from the start
 * of its validation until it ends, so one account's large files cannot take every worker from the others.
 * An import that finds no free slot stays PENDING and waits; whatever ends an import gives its slot back
 * and sends the oldest waiting import of the account on to start.
 */

export interface SlotDeps {
  tasks: TaskStore;
  slots: ImportSlots;
}

export interface StartDeps extends SlotDeps {
  /** The intake queue, to start a waiting import. */
  starts: MessageQueue<StartMessage>;
}

/** Imports holding a slot whose task has ended or is gone: a crash between ending and giving back. */
const endedHolders = async (deps: SlotDeps, running: readonly string[]): Promise<string[]> => {
  const ended = await Promise.all(
    running.map(async (importId) => {
      const task = await deps.tasks.get(importId);
      return !task || isFinalStatus(task.status) ? importId : undefined;
    }),
  );
  return ended.filter((importId): importId is string => importId !== undefined);
};

/**
 * Takes a slot for `importId`: true when it holds one (now or already). Slots still held by ended imports
 * are freed first if that makes room. False: it is recorded as waiting, and starts when a slot frees.
 */
export const takeSlot = async (deps: SlotDeps, importId: string, defaultLimit: number): Promise<boolean> => {
  const state = await deps.slots.read();
  const limit = state.limit ?? defaultLimit;
  if (await deps.slots.take(importId, limit)) return true;
  const ended = await endedHolders(deps, state.running);
  if (ended.length > 0) {
    await deps.slots.release(ended);
    if (await deps.slots.take(importId, limit)) return true;
  }
  await deps.slots.wait(importId);
  return false;
};

/**
 * Gives back the slots of ended imports and sends the oldest import still waiting on to start (it takes
 * its slot itself, conditionally, so a start sent twice or too early changes nothing). Idempotent.
 */
export const releaseSlots = async (deps: StartDeps, ended: readonly TaskRecord[]): Promise<void> => {
  const finals = ended.filter((task) => isFinalStatus(task.status)).map((task) => task.importId);
  if (finals.length === 0) return;
  const waiting = await deps.slots.release(finals);
  await startOldestWaiting(deps, waiting);
};

/** Sends the oldest of `waiting` that still waits to start; returns it. */
export const startOldestWaiting = async (
  deps: StartDeps,
  waiting: readonly string[],
): Promise<TaskRecord | undefined> => {
  const tasks = await Promise.all(waiting.map((importId) => deps.tasks.get(importId)));
  const next = tasks
    .filter((task): task is TaskRecord => task?.status === TaskStatus.PENDING)
    .sort((a, b) => (a.waitingSince ?? a.createdAt).localeCompare(b.waitingSince ?? b.createdAt))[0];
  if (next) await deps.starts.send([{ kind: 'start', objectKey: next.objectKey }]);
  return next;
};
