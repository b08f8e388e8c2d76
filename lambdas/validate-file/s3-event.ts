import { z } from 'zod';

/**
 * The body of an intake-queue message: an S3 event notification. S3 also sends one `s3:TestEvent` when
 * a notification is configured; it names no object and is acknowledged without work.
 */
export const s3NotificationSchema = z.union([
  z.object({ Event: z.literal('s3:TestEvent') }),
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string().optional(),
        s3: z.object({ object: z.object({ key: z.string().min(1) }) }),
      }),
    ),
  }),
]);
export type S3Notification = z.infer<typeof s3NotificationSchema>;

/**
 * Object keys a notification reports as created, decoded: S3 URL-encodes keys in notifications and
 * writes spaces as `+`.
 */
export const createdObjectKeys = (notification: S3Notification): string[] => {
  if (!('Records' in notification)) return [];
  return notification.Records.filter(
    (record) => record.eventName === undefined || record.eventName.startsWith('ObjectCreated'),
  ).map((record) => decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
};
