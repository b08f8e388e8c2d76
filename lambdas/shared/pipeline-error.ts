/**
 * Why a pipeline step cannot complete now. The queue delivers the message again (until its last receive,
 * where the stage gives up); stages and give-ups branch on the code, never on an error's text. HTTP errors
 * (`errors.ts`) are the API's; the pipeline has no caller to answer with a status.
 */
export const PipelineErrorCode = {
  /** No task with the message's import id (yet: an event can outrun the write that creates it). */
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  /** The task is not where this step starts (not PROCESSING yet, chunks not all counted): try later. */
  NOT_READY: 'NOT_READY',
  /** The task or its message names a template this code does not have. */
  TEMPLATE_NOT_FOUND: 'TEMPLATE_NOT_FOUND',
  /** The task lacks what validation should have stored (header, chunk count). */
  INCONSISTENT_TASK: 'INCONSISTENT_TASK',
  /** A chunk's report part could not be read (missing or unreachable). */
  REPORT_PART_UNREADABLE: 'REPORT_PART_UNREADABLE',
  /** The record store kept failing after every retry of one write. */
  RECORD_STORE_UNAVAILABLE: 'RECORD_STORE_UNAVAILABLE',
  /** The bytes of a chunk's range are not what validation planned: the data file changed. */
  PLAN_MISMATCH: 'PLAN_MISMATCH',
  /** The chunk manifest, or a chunk's plan in it, is not what validate-file wrote. */
  PLAN_UNREADABLE: 'PLAN_UNREADABLE',
} as const;
export type PipelineErrorCode = (typeof PipelineErrorCode)[keyof typeof PipelineErrorCode];

export class PipelineError extends Error {
  constructor(
    readonly code: PipelineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The code of a pipeline error, `undefined` for anything else (an SDK error, a bug). */
export const pipelineCodeOf = (error: unknown): PipelineErrorCode | undefined =>
  error instanceof PipelineError ? error.code : undefined;
