import { z } from 'zod';
import { UPLOAD_PART_BYTES } from '../../../lambdas/api/imports';
import { PART_URL_TTL_SECONDS } from '../../../lambdas/shared/links';
import { MAX_FILE_BYTES, taskSchema } from '../../../lambdas/shared/model';
import { uploadKey } from '../../../lambdas/shared/object-keys';
import { aTask } from '../../helpers/factories';
import { createHarness, expectError, type Harness, NOW } from './support';

const MIB = 1024 * 1024;

const createdSchema = z.object({
  // strict: the public task must not leak objectKey, uploadId or other pipeline fields.
  import: taskSchema.strict(),
  upload: z.object({
    partSize: z.number(),
    expiresAt: z.string(),
    parts: z.array(z.object({ partNumber: z.number(), url: z.string() })),
  }),
});

const createImport = async (harness: Harness, fileSize: number, fileName = 'users.csv') => {
  const result = await harness.call('POST', '/api/imports', {
    body: { templateId: 'users', fileName, fileSize },
  });
  expect(result.status).toBe(201);
  return createdSchema.parse(result.body);
};

/** What the browser does: PUT each part's bytes to its URL and keep the ETag it answers. */
const uploadParts = (harness: Harness, importId: string, body: Buffer, partSize = UPLOAD_PART_BYTES) => {
  const uploadId = harness.tasks.tasks.get(importId)?.uploadId;
  if (!uploadId) throw new Error(`no upload for ${importId}`);
  const parts: { partNumber: number; etag: string }[] = [];
  for (let start = 0, partNumber = 1; start < body.length; start += partSize, partNumber += 1) {
    parts.push({
      partNumber,
      etag: harness.objects.putPart(uploadId, partNumber, body.subarray(start, start + partSize)),
    });
  }
  return parts;
};

describe('POST /api/imports', () => {
  it('creates a PENDING task and part URLs that cover the declared size', async () => {
    // Prepare
    const harness = await createHarness();
    const fileSize = 2 * UPLOAD_PART_BYTES + 1;

    // Act
    const created = await createImport(harness, fileSize);

    // Assess
    expect(created.import).toEqual({
      importId: '00000000-0000-4000-8000-000000000001',
      templateId: 'users',
      fileName: 'users.csv',
      source: 'upload',
      status: 'PENDING',
      createdBy: 'admin',
      createdAt: NOW.toISOString(),
      fileSize,
      processedRows: 0,
      successCount: 0,
      errorCount: 0,
    });
    expect(created.upload.partSize).toBe(8 * MIB);
    expect(created.upload.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    expect(created.upload.expiresAt).toBe(new Date(NOW.getTime() + 3600 * 1000).toISOString());
    const stored = harness.tasks.tasks.get(created.import.importId);
    const objectKey = uploadKey(created.import.importId, 'users.csv');
    expect(stored).toMatchObject({ objectKey, uploadId: expect.any(String), status: 'PENDING' });
    expect(harness.objects.uploads.get(stored?.uploadId ?? '')?.key).toBe(objectKey);
    for (const part of created.upload.parts) {
      expect(part.url).toContain(`uploadId=${stored?.uploadId}&partNumber=${part.partNumber}`);
      expect(part.url).toContain(`expires=${PART_URL_TTL_SECONDS}`);
    }
    // Each URL is signed for its part's exact length, the last part for what is left.
    expect(created.upload.parts.map((part) => new URL(part.url).searchParams.get('length'))).toEqual([
      String(UPLOAD_PART_BYTES),
      String(UPLOAD_PART_BYTES),
      '1',
    ]);
  });

  it.each([
    [1, 1],
    [UPLOAD_PART_BYTES, 1],
    [UPLOAD_PART_BYTES + 1, 2],
    [2 * UPLOAD_PART_BYTES, 2],
    [MAX_FILE_BYTES, 25],
  ])('a %d-byte file gets exactly %d part URL(s)', async (fileSize, expectedParts) => {
    // Prepare
    const harness = await createHarness();

    // Act
    const created = await createImport(harness, fileSize);

    // Assess
    const { parts, partSize } = created.upload;
    expect(parts).toHaveLength(expectedParts);
    expect(partSize * (parts.length - 1)).toBeLessThan(fileSize);
    expect(partSize * parts.length).toBeGreaterThanOrEqual(fileSize);
  });

  it('accepts a .CSV extension in any case and keeps the name as given', async () => {
    const harness = await createHarness();

    const created = await createImport(harness, 10, 'Q3 Users.CSV');

    expect(created.import.fileName).toBe('Q3 Users.CSV');
    expect(harness.tasks.tasks.get(created.import.importId)?.objectKey).toBe(
      uploadKey(created.import.importId, 'Q3 Users.CSV'),
    );
  });

  it.each([
    [
      'a name that is not .csv',
      { templateId: 'users', fileName: 'users.xlsx', fileSize: 10 },
      'fileName',
      '.csv',
    ],
    [
      'an unknown template',
      { templateId: 'invoices', fileName: 'a.csv', fileSize: 10 },
      'templateId',
      'users',
    ],
    ['an empty file', { templateId: 'users', fileName: 'a.csv', fileSize: 0 }, 'fileSize', '200 MB'],
    [
      'a file over 200 MB',
      { templateId: 'users', fileName: 'a.csv', fileSize: MAX_FILE_BYTES + 1 },
      'fileSize',
      '200 MB',
    ],
    ['a fractional size', { templateId: 'users', fileName: 'a.csv', fileSize: 10.5 }, 'fileSize', 'whole'],
    [
      'a size given as text',
      { templateId: 'users', fileName: 'a.csv', fileSize: '10' },
      'fileSize',
      'number',
    ],
    ['a missing file name', { templateId: 'users', fileSize: 10 }, 'fileName', 'required'],
    [
      'a name with a line break (header injection)',
      { templateId: 'users', fileName: 'a.csv\r\nX-Injected: 1.csv', fileSize: 10 },
      'fileName',
      'control characters',
    ],
    [
      'a name with NUL',
      { templateId: 'users', fileName: 'a\u0000.csv', fileSize: 10 },
      'fileName',
      'control characters',
    ],
    [
      'a name with half a surrogate pair',
      { templateId: 'users', fileName: 'a\ud800.csv', fileSize: 10 },
      'fileName',
      'valid Unicode',
    ],
    [
      'a name over 255 characters',
      { templateId: 'users', fileName: `${'a'.repeat(252)}.csv`, fileSize: 10 },
      'fileName',
      '255',
    ],
  ])('refuses %s with a 400 naming the field', async (_case, body, field, problem) => {
    // Prepare
    const harness = await createHarness();

    // Act
    const result = await harness.call('POST', '/api/imports', { body });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', field, problem);
    expect(harness.tasks.tasks.size).toBe(0);
    expect(harness.objects.uploads.size).toBe(0);
  });

  it('names every missing field at once', async () => {
    const harness = await createHarness();

    const result = await harness.call('POST', '/api/imports', { body: {} });

    expectError(result, 400, 'BAD_REQUEST', 'templateId: is required', 'fileName: is required', 'fileSize');
  });

  it.each([
    ['malformed JSON', '{"templateId": "users",', 'not valid JSON'],
    ['no body', undefined, 'body is required'],
    ['a JSON array', '[1, 2]', 'JSON object'],
  ])('refuses %s with a 400', async (_case, body, problem) => {
    const harness = await createHarness();

    const result = await harness.call('POST', '/api/imports', { body });

    expectError(result, 400, 'BAD_REQUEST', problem);
  });

  it('aborts the multipart upload when the task cannot be stored', async () => {
    // Prepare
    const harness = await createHarness();
    jest.spyOn(harness.tasks, 'create').mockRejectedValue(new Error('DynamoDB throttled'));

    // Act
    const result = await harness.call('POST', '/api/imports', {
      body: { templateId: 'users', fileName: 'a.csv', fileSize: 10 },
    });

    // Assess
    expectError(result, 500, 'INTERNAL', 'req-test-1');
    expect(JSON.stringify(result.body)).not.toContain('throttled');
    expect(harness.objects.uploads.size).toBe(0);
    expect(harness.logger.error).toHaveBeenCalledWith(
      'Request failed unexpectedly',
      expect.objectContaining({ error: expect.objectContaining({ message: 'DynamoDB throttled' }) }),
    );
  });
});

describe('POST /api/imports/{importId}/upload/complete', () => {
  it('completes the upload and leaves the task PENDING for the pipeline', async () => {
    // Prepare
    const harness = await createHarness();
    const file = Buffer.alloc(UPLOAD_PART_BYTES + 100, 'a');
    const created = await createImport(harness, file.length);
    const { importId } = created.import;
    const parts = uploadParts(harness, importId, file);

    // Act
    const result = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts },
    });

    // Assess
    expect(result.status).toBe(200);
    expect(taskSchema.strict().parse(result.body)).toMatchObject({ importId, status: 'PENDING' });
    expect((await harness.objects.head(uploadKey(importId, 'users.csv')))?.size).toBe(file.length);
  });

  it('ends the task VALIDATION_FAILED when the stored size differs from the declared one', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 1000);
    const { importId } = created.import;
    const parts = uploadParts(harness, importId, Buffer.alloc(900, 'a'));

    // Act
    const result = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts },
    });

    // Assess
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'VALIDATION_FAILED',
      statusReason: 'The uploaded file is 900 bytes but 1,000 bytes were declared; upload it again',
      endedAt: NOW.toISOString(),
    });
    // Never imported, so not kept either.
    expect(await harness.objects.head(uploadKey(importId, 'users.csv'))).toBeUndefined();
  });

  it('ends the task VALIDATION_FAILED when the stored file is over 200 MB', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 10);
    const { importId } = created.import;
    const parts = uploadParts(harness, importId, Buffer.alloc(10, 'a'));
    // Storing 230 MB in memory would slow the suite; S3's answer to HEAD is what matters.
    jest.spyOn(harness.objects, 'head').mockResolvedValue({ size: 230 * MIB });

    // Act
    const result = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts },
    });

    // Assess
    expect(result.body).toMatchObject({
      status: 'VALIDATION_FAILED',
      statusReason: 'File is 230 MB; the limit is 200 MB',
    });
  });

  it('answers a retried completion with the task when S3 already completed the upload', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 5);
    const { importId } = created.import;
    const parts = uploadParts(harness, importId, Buffer.from('a,b\r\n'));
    await harness.call('POST', `/api/imports/${importId}/upload/complete`, { body: { parts } });

    // Act
    const retried = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts },
    });

    // Assess
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ importId, status: 'PENDING' });
  });

  it('answers 409 when the upload is gone and no file was stored', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 5);
    const { importId } = created.import;
    const uploadId = harness.tasks.tasks.get(importId)?.uploadId ?? '';
    await harness.objects.abortMultipartUpload(uploadKey(importId, 'users.csv'), uploadId);

    // Act
    const result = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts: [{ partNumber: 1, etag: '"x"' }] },
    });

    // Assess
    expectError(result, 409, 'CONFLICT', 'no longer open');
  });

  it('answers 409 when the task is no longer waiting for its file', async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({ status: 'PROCESSING', uploadId: 'upload-9' });
    await harness.tasks.create(task);

    // Act
    const result = await harness.call('POST', `/api/imports/${task.importId}/upload/complete`, {
      body: { parts: [{ partNumber: 1, etag: '"x"' }] },
    });

    // Assess
    expectError(result, 409, 'CONFLICT', 'PROCESSING');
  });

  it('answers 200 with the task when a completion is retried after the pipeline started', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 5);
    const { importId } = created.import;
    const parts = uploadParts(harness, importId, Buffer.from('a,b\r\n'));
    await harness.call('POST', `/api/imports/${importId}/upload/complete`, { body: { parts } });
    await harness.tasks.transition(importId, ['PENDING'], 'PROCESSING');

    // Act
    const retried = await harness.call('POST', `/api/imports/${importId}/upload/complete`, {
      body: { parts },
    });

    // Assess
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ importId, status: 'PROCESSING' });
  });

  it('answers 409 for a task that has no browser upload (an email import)', async () => {
    const harness = await createHarness();
    const task = aTask({ source: 'email', emailKey: 'inbound/m-1' });
    await harness.tasks.create(task);

    const result = await harness.call('POST', `/api/imports/${task.importId}/upload/complete`, {
      body: { parts: [{ partNumber: 1, etag: '"x"' }] },
    });

    expectError(result, 409, 'CONFLICT', 'no browser upload');
  });

  it('answers 404 for an unknown import', async () => {
    const harness = await createHarness();

    const result = await harness.call(
      'POST',
      '/api/imports/5b0c1a52-0000-4000-8000-000000000000/upload/complete',
      {
        body: { parts: [{ partNumber: 1, etag: '"x"' }] },
      },
    );

    expectError(result, 404, 'NOT_FOUND', '5b0c1a52-0000-4000-8000-000000000000');
  });

  it.each([
    ['no parts', { parts: [] }, 'parts: must list at least one part'],
    [
      'a part number twice',
      {
        parts: [
          { partNumber: 1, etag: 'a' },
          { partNumber: 1, etag: 'b' },
        ],
      },
      'twice',
    ],
    ['a part number of 0', { parts: [{ partNumber: 0, etag: 'a' }] }, 'parts.0.partNumber'],
    ['a missing etag', { parts: [{ partNumber: 1 }] }, 'parts.0.etag: is required'],
  ])('refuses %s with a 400', async (_case, body, problem) => {
    const harness = await createHarness();
    const created = await createImport(harness, 5);

    const result = await harness.call('POST', `/api/imports/${created.import.importId}/upload/complete`, {
      body,
    });

    expectError(result, 400, 'BAD_REQUEST', problem);
  });

  it('answers 400 when S3 refuses the parts as listed', async () => {
    // Prepare
    const harness = await createHarness();
    const created = await createImport(harness, 5);
    jest
      .spyOn(harness.objects, 'completeMultipartUpload')
      .mockRejectedValue(
        Object.assign(new Error('One or more parts could not be found'), { name: 'InvalidPart' }),
      );

    // Act
    const result = await harness.call('POST', `/api/imports/${created.import.importId}/upload/complete`, {
      body: { parts: [{ partNumber: 1, etag: '"wrong"' }] },
    });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', 'InvalidPart', 'ETag');
    expect(harness.tasks.tasks.get(created.import.importId)?.status).toBe('PENDING');
  });
});
