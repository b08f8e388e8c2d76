import { createdObjectKeys, s3NotificationSchema } from '../../../lambdas/validate-file/s3-event';

const notification = (records: { eventName?: string; key: string }[]) =>
  s3NotificationSchema.parse({
    Records: records.map(({ eventName, key }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      ...(eventName ? { eventName } : {}),
      s3: { bucket: { name: 'imports' }, object: { key, size: 10 } },
    })),
  });

describe('S3 notifications', () => {
  it('decodes keys: + is a space, %XX escapes are characters', () => {
    const keys = createdObjectKeys(
      notification([
        { eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'uploads/abc12345/my+file%2B1.csv' },
      ]),
    );
    expect(keys).toEqual(['uploads/abc12345/my file+1.csv']);
  });

  it('keeps created objects only (the local emulator reports multipart completions as ObjectCreated:Post)', () => {
    const keys = createdObjectKeys(
      notification([
        { eventName: 'ObjectCreated:Post', key: 'uploads/abc12345/a.csv' },
        { eventName: 'ObjectRemoved:Delete', key: 'uploads/abc12345/b.csv' },
        { key: 'uploads/abc12345/c.csv' },
      ]),
    );
    expect(keys).toEqual(['uploads/abc12345/a.csv', 'uploads/abc12345/c.csv']);
  });

  it('accepts the s3:TestEvent S3 sends when notifications are configured, with no keys', () => {
    const test = s3NotificationSchema.parse({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2026-11-22T10:00:00.000Z',
      Bucket: 'imports',
    });
    expect(createdObjectKeys(test)).toEqual([]);
  });

  it('rejects a body that is neither', () => {
    expect(s3NotificationSchema.safeParse({ hello: 'world' }).success).toBe(false);
  });
});
