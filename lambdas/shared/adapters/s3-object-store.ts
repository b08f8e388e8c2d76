import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Bucket, CompletedPart, ObjectHead } from '../ports';

/** Streamed uploads use parts of this size: S3 needs ≥ 5 MiB, the local emulator takes ≤ 11 MiB. */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;

const contentDisposition = (downloadName: string): string => {
  const ascii = downloadName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(downloadName)}`;
};

// HEAD responses have no body, so a missing key arrives as a bare 404: the SDK names it NotFound, and
// some S3-compatible servers only give the status.
const isNotFound = (error: unknown): boolean =>
  error instanceof NotFound ||
  (error as { name?: string }).name === 'NotFound' ||
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

const isForbidden = (error: unknown): boolean =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403;

/** ObjectStore on one S3 bucket. */
export class S3ObjectStore implements Bucket {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, ...(out.ContentType ? { contentType: out.ContentType } : {}) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (isForbidden(error) && !(await this.listed(key))) return undefined;
      throw error;
    }
  }

  /**
   * Whether `key` exists, by a listing of exactly that prefix. S3 answers a missing key with 404 only to a
   * caller that may list the bucket, and each role may list only its own prefixes (a condition on
   * `s3:prefix`); a listing of the key itself is what that grant surely covers. A refused listing leaves
   * the first answer standing.
   */
  private async listed(key: string): Promise<boolean> {
    try {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
      );
      return out.Contents?.[0]?.Key === key;
    } catch {
      return true;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const out = await this.s3.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
    );
    if (!out.Body) return Buffer.alloc(0);
    return Buffer.from(await out.Body.transformToByteArray());
  }

  async getStream(key: string, start = 0): Promise<Readable> {
    const out = await this.s3.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(start > 0 ? { Range: `bytes=${start}-` } : {}),
      }),
    );
    // In Node the SDK returns a Readable (an IncomingMessage); anything else is a runtime we do not support.
    if (!(out.Body instanceof Readable)) throw new Error(`Object ${key} did not come back as a Node stream`);
    return out.Body;
  }

  async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async upload(key: string, body: Readable, contentType: string): Promise<void> {
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      partSize: UPLOAD_PART_BYTES,
      queueSize: 2,
    }).done();
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async copy(sourceKey: string, key: string): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: key,
        // The copy source is `bucket/key`, URL-encoded (our keys are safe, but a key with a space is not).
        CopySource: `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  async createMultipartUpload(key: string, contentType: string): Promise<string> {
    const out = await this.s3.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
    );
    if (!out.UploadId) throw new Error(`S3 returned no upload id for ${key}`);
    return out.UploadId;
  }

  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    contentLength: number,
    expiresInSeconds: number,
  ): Promise<string> {
    return getSignedUrl(
      this.s3,
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ContentLength: contentLength,
      }),
      // Signed, not hoisted into the query: the PUT must send exactly this Content-Length.
      { expiresIn: expiresInSeconds, unhoistableHeaders: new Set(['content-length']) },
    );
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [...parts]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
        },
      }),
    );
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.s3.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
    );
  }

  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: contentDisposition(downloadName),
      }),
      { expiresIn: expiresInSeconds },
    );
  }
}
