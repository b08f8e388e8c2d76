import {
  encodeEventKey,
  objectCreation,
  s3EventNotification,
  s3TestEvent,
} from '../../../../local/events/s3-event';

describe('which S3 requests create objects', () => {
  const request = (method: string, url: string, headers: Record<string, string> = {}) =>
    objectCreation({ method, url, headers });

  it('sees PutObject and CompleteMultipartUpload', () => {
    expect(request('PUT', '/bucket/uploads/id-1/users.csv')).toEqual({
      bucket: 'bucket',
      key: 'uploads/id-1/users.csv',
      eventName: 'ObjectCreated:Put',
    });
    expect(request('POST', '/bucket/uploads/id-1/users.csv?uploadId=abc')).toEqual({
      bucket: 'bucket',
      key: 'uploads/id-1/users.csv',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
    });
  });

  it('decodes the key from the path', () => {
    expect(request('PUT', '/bucket/uploads/id-1/my%20file%2B1.csv')?.key).toBe('uploads/id-1/my file+1.csv');
  });

  it('sees a copy as ObjectCreated:Copy', () => {
    expect(request('PUT', '/bucket/a.csv', { 'x-amz-copy-source': '/bucket/b.csv' })?.eventName).toBe(
      'ObjectCreated:Copy',
    );
  });

  it('ignores requests that create no object', () => {
    expect(request('PUT', '/bucket/k.csv?partNumber=1&uploadId=abc')).toBeUndefined();
    expect(request('POST', '/bucket/k.csv?uploads')).toBeUndefined();
    expect(request('GET', '/bucket/k.csv')).toBeUndefined();
    expect(request('DELETE', '/bucket/k.csv?uploadId=abc')).toBeUndefined();
    expect(request('PUT', '/bucket')).toBeUndefined();
    expect(request('PUT', '/bucket/k.csv?tagging')).toBeUndefined();
    expect(request('PUT', '/bucket/k.csv?acl')).toBeUndefined();
    expect(request('PUT', '/bucket/%E0%A4%A.csv')).toBeUndefined();
  });
});

describe('S3 event notification', () => {
  it('encodes keys as S3 does: segments escaped, slashes kept, spaces as +', () => {
    expect(encodeEventKey('uploads/id 1/a+b é.csv')).toBe('uploads/id+1/a%2Bb+%C3%A9.csv');
  });

  it('has the shape S3 puts on the queue', () => {
    // Act
    const event = s3EventNotification({
      bucket: 'bulk-imports-local',
      key: 'uploads/id-1/users list.csv',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      size: 1234,
      eTag: '"0123abcd-2"',
      region: 'us-east-1',
      sourceIp: '127.0.0.1',
      eventTime: new Date('2026-11-22T10:00:00.000Z'),
    });

    // Assess
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-22T10:00:00.000Z',
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      s3: {
        s3SchemaVersion: '1.0',
        bucket: { name: 'bulk-imports-local', arn: 'arn:aws:s3:::bulk-imports-local' },
        object: { key: 'uploads/id-1/users+list.csv', size: 1234, eTag: '0123abcd-2' },
      },
    });
  });

  it('sends the test event S3 sends when notifications are configured', () => {
    expect(s3TestEvent('b')).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
  });
});
