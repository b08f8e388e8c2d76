import { once } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { PipelineError, PipelineErrorCode } from '../shared/pipeline-error';
import type { ObjectStore } from '../shared/ports';

export interface ConcatenationPlan {
  /** Object to write. */
  key: string;
  contentType: string;
  /** Text written before the parts (BOM and header line). */
  head: string;
  /** Objects copied after `head`, in this order; every one must exist. */
  partKeys: readonly string[];
}

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

const openPart = async (objects: ObjectStore, partKey: string): Promise<Readable> => {
  try {
    return await objects.getStream(partKey);
  } catch (error) {
    throw new PipelineError(
      PipelineErrorCode.REPORT_PART_UNREADABLE,
      `Report part ${partKey} could not be read`,
      { cause: error },
    );
  }
};

/** Copies one part into the body, pausing whenever the body's buffer is full (backpressure). */
const copyInto = async (source: Readable, target: Writable, signal: AbortSignal): Promise<void> => {
  // Breaking out of `for await` (a throw included) destroys the source, so no part stays open.
  for await (const chunk of source) {
    signal.throwIfAborted();
    if (!target.write(chunk)) await once(target, 'drain', { signal });
  }
};

/**
 * Writes `head` followed by every part object, in order, into one new object, as a stream: one part is
 * copied at a time (the next one already requested) and backpressure from the upload throttles the
 * reads, so memory stays bounded however
 * large the report (a 2-million-row import). Any unreadable part or failed upload rejects, and nothing
 * is stored under `key` (the upload is aborted), so a retry starts from a clean slate.
 */
export const concatenateObjects = async (objects: ObjectStore, plan: ConcatenationPlan): Promise<void> => {
  const body = new PassThrough();
  // Errors on the body are the ones this function puts there (below) or the upload reports through its
  // promise; the listener only keeps such an event from crashing the process when no reader listens.
  body.on('error', () => undefined);
  const uploaded = objects.upload(plan.key, body, plan.contentType);
  // An upload that gives up stops reading; the abort stops the copy instead of leaving it waiting
  // forever for a drain.
  const copying = new AbortController();
  let uploadError: Error | undefined;
  uploaded.catch((error: unknown) => {
    uploadError = asError(error);
    copying.abort(uploadError);
  });
  // The next part is requested while the current one is copied: a 200 MB import has ~1,700 small parts,
  // and waiting for each request's first byte in turn was most of finalize's time.
  const open = (index: number): Promise<Readable> | undefined => {
    const partKey = plan.partKeys[index];
    if (partKey === undefined) return undefined;
    const opening = openPart(objects, partKey);
    // Marks a failure as handled until the loop awaits it (which still throws), so a part failing while
    // the one before it is copied is not an unhandled rejection.
    opening.catch(() => undefined);
    return opening;
  };
  let next = open(0);
  try {
    body.write(plan.head);
    for (let index = 0; next; index += 1) {
      copying.signal.throwIfAborted();
      const source = await next;
      next = open(index + 1);
      await copyInto(source, body, copying.signal);
    }
    body.end();
  } catch (error) {
    // A part already requested is closed unread (or its failure ignored: the first cause is reported).
    next?.then(
      (stream) => stream.destroy(),
      () => undefined,
    );
    // Whichever side failed first is the cause worth reporting; the other side's error is its echo.
    const cause = uploadError ?? asError(error);
    // Failing the body makes the upload fail too, so a partial report is never stored.
    body.destroy(cause);
    await uploaded.catch(() => undefined);
    throw cause;
  }
  await uploaded;
};
