import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * S3 bucket notifications as S3 sends them to SQS: which requests create objects, and the JSON shape of
 * the event (the one validate-file parses on AWS).
 */

/** The object-creating requests the local S3 front answers, by the event name S3 gives each. */
export const s3EventNameSchema = z.enum([
  'ObjectCreated:Put',
  'ObjectCreated:Copy',
  'ObjectCreated:CompleteMultipartUpload',
]);
export type S3EventName = z.infer<typeof s3EventNameSchema>;

export interface ObjectCreation {
  bucket: string;
  key: string;
  eventName: S3EventName;
}

export interface RequestLine {
  method: string;
  /** Path and query as received (`/bucket/key?uploadId=…`), path-style addressing. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The object a request will create if it succeeds, or undefined for any request that creates none
 * (reads, UploadPart, CreateMultipartUpload, deletes, bucket operations).
 */
export const objectCreation = (request: RequestLine): ObjectCreation | undefined => {
  const parsed = new URL(request.url, 'http://s3.local');
  const [, bucket, ...keyParts] = parsed.pathname.split('/');
  if (!bucket || keyParts.length === 0) return undefined;
  let key: string;
  try {
    key = keyParts.map((part) => decodeURIComponent(part)).join('/');
  } catch {
    return undefined; // Not a valid path: S3 rejects it, so it creates nothing.
  }
  if (key === '') return undefined;
  const query = parsed.searchParams;
  const method = request.method.toUpperCase();
  if (method === 'PUT' && !query.has('uploadId') && !query.has('partNumber') && !query.has('tagging')) {
    if (query.has('acl') || query.has('retention') || query.has('legal-hold')) return undefined;
    return {
      bucket,
      key,
      eventName: request.headers['x-amz-copy-source'] ? 'ObjectCreated:Copy' : 'ObjectCreated:Put',
    };
  }
  if (method === 'POST' && query.has('uploadId')) {
    return { bucket, key, eventName: 'ObjectCreated:CompleteMultipartUpload' };
  }
  return undefined;
};

/**
 * Keys in S3 events are URL-encoded the way S3 does it: each path segment percent-encoded, slashes kept,
 * spaces as `+`.
 */
export const encodeEventKey = (key: string): string =>
  key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%20/g, '+'))
    .join('/');

export interface CreatedObject extends ObjectCreation {
  size: number;
  eTag: string;
  region: string;
  sourceIp: string;
  eventTime: Date;
}

/** The notification body S3 puts on the queue for one created object. */
export const s3EventNotification = (object: CreatedObject) => ({
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: object.region,
      eventTime: object.eventTime.toISOString(),
      eventName: object.eventName,
      userIdentity: { principalId: 'AWS:LOCAL' },
      requestParameters: { sourceIPAddress: object.sourceIp },
      responseElements: {
        'x-amz-request-id': randomBytes(8).toString('hex').toUpperCase(),
        'x-amz-id-2': randomBytes(24).toString('base64'),
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'upload-notifications',
        bucket: {
          name: object.bucket,
          ownerIdentity: { principalId: 'LOCAL' },
          arn: `arn:aws:s3:::${object.bucket}`,
        },
        object: {
          key: encodeEventKey(object.key),
          size: object.size,
          eTag: object.eTag.replace(/"/g, ''),
          sequencer: object.eventTime.getTime().toString(16).toUpperCase().padStart(16, '0'),
        },
      },
    },
  ],
});

/** What S3 sends once when a notification configuration is saved. */
export const s3TestEvent = (bucket: string) => ({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: new Date().toISOString(),
  Bucket: bucket,
  RequestId: randomBytes(8).toString('hex').toUpperCase(),
  HostId: randomBytes(24).toString('base64'),
});
