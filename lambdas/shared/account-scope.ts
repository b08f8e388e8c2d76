import type { Readable } from 'node:stream';
import type { AccountId } from './account';
import { accountObjectKey } from './object-keys';
import type { CompletedPart, MessageQueue, ObjectHead, ObjectStore } from './ports';

/**
 * One account's view of the bucket: the stages use the keys of `object-keys.ts` as they always did, and
 * every one of them is stored under the account's own prefix. A stage given this store cannot name
 * another account's object, whatever key it builds.
 */
export class AccountObjectStore implements ObjectStore {
  constructor(
    private readonly bucket: ObjectStore,
    private readonly account: AccountId,
  ) {}

  private at(key: string): string {
    return accountObjectKey(this.account, key);
  }

  head(key: string): Promise<ObjectHead | undefined> {
    return this.bucket.head(this.at(key));
  }
  getRange(key: string, start: number, end: number): Promise<Buffer> {
    return this.bucket.getRange(this.at(key), start, end);
  }
  getStream(key: string, start?: number): Promise<Readable> {
    return this.bucket.getStream(this.at(key), start);
  }
  put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    return this.bucket.put(this.at(key), body, contentType);
  }
  copy(sourceKey: string, key: string): Promise<void> {
    return this.bucket.copy(this.at(sourceKey), this.at(key));
  }
  upload(key: string, body: Readable, contentType: string): Promise<void> {
    return this.bucket.upload(this.at(key), body, contentType);
  }
  delete(key: string): Promise<void> {
    return this.bucket.delete(this.at(key));
  }
  createMultipartUpload(key: string, contentType: string): Promise<string> {
    return this.bucket.createMultipartUpload(this.at(key), contentType);
  }
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    contentLength: number,
    expiresInSeconds: number,
  ): Promise<string> {
    return this.bucket.presignUploadPart(this.at(key), uploadId, partNumber, contentLength, expiresInSeconds);
  }
  completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    return this.bucket.completeMultipartUpload(this.at(key), uploadId, parts);
  }
  abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    return this.bucket.abortMultipartUpload(this.at(key), uploadId);
  }
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string> {
    return this.bucket.presignGet(this.at(key), expiresInSeconds, downloadName);
  }
}

/**
 * One account's way onto a shared queue: every message it sends names the account, so the stage that
 * receives it works in that account's stores alone.
 */
export class AccountQueue<Message extends { account?: string }> implements MessageQueue<Message> {
  constructor(
    private readonly queue: MessageQueue<Message>,
    private readonly account: AccountId,
  ) {}

  send(messages: readonly Message[]): Promise<void> {
    return this.queue.send(messages.map((message) => ({ ...message, account: this.account })));
  }
}
