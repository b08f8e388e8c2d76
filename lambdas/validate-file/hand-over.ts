import { type FinalizeMessage, TaskSource } from '../shared/model';
import { importIdFromUploadKey } from '../shared/object-keys';
import type { MessageQueue, TaskStore } from '../shared/ports';
import { ValidateOutcome } from './validate-file';

/** Outcomes that leave the task final without finalize-import ever hearing of it. */
const ENDED_HERE: ReadonlySet<ValidateOutcome> = new Set([
  ValidateOutcome.VALIDATION_FAILED,
  ValidateOutcome.NOTHING_TO_IMPORT,
  // A retried event after the hand-over itself failed: the task is final already, the message not sent.
  ValidateOutcome.ALREADY_FINAL,
]);

export interface HandOverDeps {
  tasks: TaskStore;
  finalize: MessageQueue<FinalizeMessage>;
}

/**
 * Hands an emailed task that ended here (rejected, or with nothing to import) to finalize-import, where
 * the sender's reply is sent once every file of the email is final. Returns whether it did.
 */
export const handOverEndedEmailTask = async (
  deps: HandOverDeps,
  objectKey: string,
  outcome: ValidateOutcome,
): Promise<boolean> => {
  const importId = importIdFromUploadKey(objectKey);
  if (!importId || !ENDED_HERE.has(outcome)) return false;
  const task = await deps.tasks.get(importId);
  if (task?.source !== TaskSource.EMAIL) return false;
  await deps.finalize.send([{ kind: 'finalize', importId }]);
  return true;
};
