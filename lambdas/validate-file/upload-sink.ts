import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ObjectStore } from '../shared/ports';

/**
 * Streams pieces into an object while they are produced (the UTF-8 transcoding of an upload), with
 * backpressure: `write` waits while the upload is behind, and fails at once if the upload has failed.
 */
export class UploadSink {
  private readonly body = new PassThrough();
  private readonly done: Promise<void>;
  private failure: unknown;

  constructor(objects: ObjectStore, key: string, contentType: string) {
    this.done = objects.upload(key, this.body, contentType).catch((error: unknown) => {
      this.failure = error ?? new Error(`Upload of ${key} failed`);
      this.body.destroy();
      throw this.failure;
    });
    // Observed here so an aborted upload is never an unhandled rejection; `end` still reports it.
    this.done.catch(() => undefined);
  }

  async write(piece: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.body.write(piece)) return;
    await Promise.race([once(this.body, 'drain'), this.done]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the body and waits until the object is stored. */
  async end(): Promise<void> {
    this.body.end();
    await this.done;
  }

  /** Gives up: the upload stops and nothing is stored. */
  async abort(): Promise<void> {
    this.body.destroy(new Error('Upload abandoned: the file was rejected or could not be read'));
    await this.done.catch(() => undefined);
  }
}
