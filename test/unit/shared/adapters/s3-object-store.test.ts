import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { S3ObjectStore } from '../../../../lambdas/shared/adapters/s3-object-store';

const BUCKET = 'imports-bucket';

const s3Mock = mockClient(S3Client);
/** Presigning never sends a request, but it does sign: the client needs (fake) credentials. */
const s3 = () =>
  new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-example' },
  });
const store = () => new S3ObjectStore(s3(), BUCKET);

/** A GetObject body as the SDK returns it in Node: a Readable with the SDK's transform helpers. */
const body = (text: string) =>
  Object.assign(Readable.from([Buffer.from(text)]), {
    transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
    transformToString: async () => text,
    transformToWebStream: (): never => {
      throw new Error('not used in Node');
    },
  });

beforeEach(() => {
  s3Mock.reset();
});

describe('S3ObjectStore reads', () => {
  it('asks for bytes [start, end) as an inclusive HTTP range', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: body('0123456789') });

    // Act
    const bytes = await store().getRange('uploads/a/f.csv', 100, 110);

    // Assess
    expect(bytes.toString()).toBe('0123456789');
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: BUCKET,
      Key: 'uploads/a/f.csv',
      Range: 'bytes=100-109',
    });
  });

  it('does not call S3 for an empty range', async () => {
    // Act
    const bytes = await store().getRange('uploads/a/f.csv', 10, 10);

    // Assess
    expect(bytes).toHaveLength(0);
    expect(s3Mock).toHaveReceivedCommandTimes(GetObjectCommand, 0);
  });

  it('streams from an offset with an open-ended range, and from the start without one', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).callsFake(() => ({ Body: body('rest of file') }));

    // Act
    const fromOffset = await store().getStream('work/a/utf8.csv', 2048);
    const whole = await store().getStream('work/a/utf8.csv');

    // Assess
    expect(fromOffset).toBeInstanceOf(Readable);
    expect((await fromOffset.toArray()).join('')).toBe('rest of file');
    expect(whole).toBeInstanceOf(Readable);
    expect(s3Mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Range)).toEqual([
      'bytes=2048-',
      undefined,
    ]);
  });

  it('reports a missing object as undefined from head', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(new NotFound({ message: 'Not Found', $metadata: {} }));

    // Act / Assess
    expect(await store().head('uploads/a/missing.csv')).toBeUndefined();
  });

  it('treats a bare 404 from an S3-compatible server as missing too', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(
      new S3ServiceException({
        name: 'UnknownError',
        $fault: 'client',
        message: '',
        $metadata: { httpStatusCode: 404 },
      }),
    );

    // Act / Assess
    expect(await store().head('uploads/a/missing.csv')).toBeUndefined();
  });

  it('returns size and type from head and lets other failures through', async () => {
    // Prepare
    s3Mock
      .on(HeadObjectCommand, { Key: 'ok.csv' })
      .resolves({ ContentLength: 1234, ContentType: 'text/csv' })
      .on(HeadObjectCommand, { Key: 'denied.csv' })
      .rejects(
        new S3ServiceException({
          name: 'Forbidden',
          $fault: 'client',
          message: 'Forbidden',
          $metadata: { httpStatusCode: 403 },
        }),
      );

    // The key is there (its listing shows it): the 403 is a real refusal.
    s3Mock.on(ListObjectsV2Command, { Prefix: 'denied.csv' }).resolves({ Contents: [{ Key: 'denied.csv' }] });

    // Act / Assess
    expect(await store().head('ok.csv')).toEqual({ size: 1234, contentType: 'text/csv' });
    await expect(store().head('denied.csv')).rejects.toThrow('Forbidden');
  });

  const forbidden = () =>
    new S3ServiceException({
      name: 'Forbidden',
      $fault: 'client',
      message: 'Forbidden',
      $metadata: { httpStatusCode: 403 },
    });

  it('asks the listing its role may read (by prefix) whether a key S3 answered 403 for exists', async () => {
    // Prepare: S3 answers 403 for a missing key unless the caller may list it; the listing decides.
    s3Mock
      .on(HeadObjectCommand)
      .rejects(forbidden())
      .on(ListObjectsV2Command, { Prefix: 'uploads/a/missing.csv' })
      .resolves({ Contents: [{ Key: 'uploads/a/missing.csv.part2' }] });

    // Act / Assess
    expect(await store().head('uploads/a/missing.csv')).toBeUndefined();
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: BUCKET,
      Prefix: 'uploads/a/missing.csv',
      MaxKeys: 1,
    });
  });

  it('keeps the 403 when the listing is refused too', async () => {
    // Prepare
    s3Mock.on(HeadObjectCommand).rejects(forbidden()).on(ListObjectsV2Command).rejects(forbidden());

    // Act / Assess
    await expect(store().head('elsewhere/x.csv')).rejects.toThrow('Forbidden');
  });
});

describe('S3ObjectStore writes', () => {
  it('uploads a small stream in one PutObject with its content type', async () => {
    // Prepare
    const sent: string[] = [];
    s3Mock.on(PutObjectCommand).callsFake(async (input: { Body: Readable | Buffer | string }) => {
      const chunks = Buffer.isBuffer(input.Body) || typeof input.Body === 'string' ? [input.Body] : [];
      if (input.Body instanceof Readable) for await (const chunk of input.Body) chunks.push(chunk);
      sent.push(chunks.map((chunk) => chunk.toString()).join(''));
      return { ETag: '"abc"' };
    });

    // Act
    await store().upload('reports/a/results.csv', Readable.from(['row_number\r\n', '2\r\n']), 'text/csv');

    // Assess
    expect(sent).toEqual(['row_number\r\n2\r\n']);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: 'reports/a/results.csv',
      ContentType: 'text/csv',
    });
  });

  it('completes a multipart upload with its parts in ascending order', async () => {
    // Prepare
    s3Mock.on(CompleteMultipartUploadCommand).resolves({});

    // Act
    await store().completeMultipartUpload('uploads/a/f.csv', 'upload-1', [
      { partNumber: 3, etag: '"c"' },
      { partNumber: 1, etag: '"a"' },
      { partNumber: 2, etag: '"b"' },
    ]);

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'upload-1',
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"a"' },
          { PartNumber: 2, ETag: '"b"' },
          { PartNumber: 3, ETag: '"c"' },
        ],
      },
    });
  });
});

describe('S3ObjectStore presigned URLs', () => {
  it('signs an UploadPart URL carrying the part number, the upload id and the expiry', async () => {
    // Act
    const url = new URL(await store().presignUploadPart('uploads/a/f.csv', 'upload-xyz', 7, 1234, 900));

    // Assess
    expect(url.pathname).toContain('uploads/a/f.csv');
    expect(url.searchParams.get('partNumber')).toBe('7');
    expect(url.searchParams.get('uploadId')).toBe('upload-xyz');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it("signs the part's Content-Length as a header, so S3 refuses a body of any other size", async () => {
    // Act
    const url = new URL(await store().presignUploadPart('uploads/a/f.csv', 'upload-xyz', 2, 1234, 900));

    // Assess
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['content-length', 'host']);
    expect(url.searchParams.has('Content-Length')).toBe(false);
  });

  it('signs a GET that downloads under the given name and expires as asked', async () => {
    // Act
    const url = new URL(await store().presignGet('reports/a/exceptions.csv', 600, 'users – exceptions.csv'));

    // Assess
    expect(url.searchParams.get('X-Amz-Expires')).toBe('600');
    const disposition = url.searchParams.get('response-content-disposition');
    expect(disposition).toContain('attachment; filename="users _ exceptions.csv"');
    expect(disposition).toContain("filename*=UTF-8''users%20%E2%80%93%20exceptions.csv");
  });
});
