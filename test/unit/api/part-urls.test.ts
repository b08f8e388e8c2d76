import { S3ObjectStore } from '../../../lambdas/shared/adapters/s3-object-store';
import { createS3Client } from '../../../lambdas/shared/composition-root';

describe('presigned part URLs from the composition root S3 client', () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = savedEnv;
  });

  it('carry no checksum of an empty body, which S3 would hold every browser part against', async () => {
    // Prepare
    process.env = { ...savedEnv, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    const store = new S3ObjectStore(
      createS3Client({ AWS_REGION: 'eu-west-1', LOG_LEVEL: 'ERROR' }),
      'bucket',
    );

    // Act
    const url = new URL(
      await store.presignUploadPart('uploads/id/users.csv', 'upload-1', 3, 8 * 1024 * 1024, 3600),
    );

    // Assess
    expect(url.searchParams.get('partNumber')).toBe('3');
    expect(url.searchParams.get('uploadId')).toBe('upload-1');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
  });
});
