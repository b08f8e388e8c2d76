/** Why a finalize message cannot be completed now; every one of these makes SQS deliver it again. */
export const FinalizeErrorCode = {
  /** No task with the message's import id. */
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  /** The task is not PROCESSING yet or not every chunk is counted (a message that outran the counters). */
  NOT_READY: 'NOT_READY',
  /** The task lacks what validation should have stored (header, chunk count) or names an unknown template. */
  INCONSISTENT_TASK: 'INCONSISTENT_TASK',
  /** A chunk's report part could not be read (missing or unreachable). */
  REPORT_PART_UNREADABLE: 'REPORT_PART_UNREADABLE',
} as const;
export type FinalizeErrorCode = (typeof FinalizeErrorCode)[keyof typeof FinalizeErrorCode];

/** A finalize step that cannot go on; the message is retried and, after the queue's limit, dead-lettered. */
export class FinalizeError extends Error {
  constructor(
    readonly code: FinalizeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FinalizeError';
  }
}
