import { z } from 'zod';
import { LINK_TTL_SECONDS } from '../../../lambdas/shared/links';
import { taskSchema } from '../../../lambdas/shared/model';
import { exceptionsKey, resultsKey } from '../../../lambdas/shared/object-keys';
import { aTask } from '../../helpers/factories';
import { createHarness, expectError, type Harness, NOW } from './support';

const pageSchema = <Item extends z.ZodType>(item: Item) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() }).strict();

const tasksPage = pageSchema(taskSchema.strict());
const errorsPage = pageSchema(
  z
    .object({
      rowNumber: z.number(),
      errorType: z.string(),
      message: z.string(),
      column: z.string().optional(),
    })
    .strict(),
);
const linkSchema = z.object({ url: z.string(), expiresAt: z.string() }).strict();

const seedTasks = async (harness: Harness, count: number) => {
  const tasks = Array.from({ length: count }, (_, index) =>
    aTask({
      importId: `00000000-0000-4000-8000-00000000010${index}`,
      createdAt: `2026-11-2${index}T10:00:00.000Z`,
    }),
  );
  for (const task of tasks) await harness.tasks.create(task);
  return tasks;
};

describe('GET /api/imports', () => {
  it('lists tasks most recent first, page by page', async () => {
    // Prepare
    const harness = await createHarness();
    const tasks = await seedTasks(harness, 3);

    // Act
    const first = await harness.call('GET', '/api/imports', { query: { limit: '2' } });
    const firstPage = tasksPage.parse(first.body);
    const second = await harness.call('GET', '/api/imports', {
      query: { limit: '2', cursor: firstPage.nextCursor ?? '' },
    });

    // Assess
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    expect(firstPage.items.map((task) => task.importId)).toEqual([tasks[2]?.importId, tasks[1]?.importId]);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    expect(tasksPage.parse(second.body)).toEqual({
      items: [expect.objectContaining({ importId: tasks[0]?.importId })],
      nextCursor: null,
    });
  });

  it('returns 25 tasks when no limit is given', async () => {
    const harness = await createHarness();
    for (let index = 0; index < 30; index += 1) await harness.tasks.create(aTask());

    const result = await harness.call('GET', '/api/imports');

    expect(tasksPage.parse(result.body).items).toHaveLength(25);
  });

  it.each(['0', '101', 'ten', '2.5'])('refuses limit=%s with a 400', async (limit) => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/imports', { query: { limit } });

    expectError(result, 400, 'BAD_REQUEST', 'limit', 'between 1 and 100');
  });

  it('refuses a tampered cursor', async () => {
    // Prepare
    const harness = await createHarness();
    await seedTasks(harness, 3);
    const first = tasksPage.parse(
      (await harness.call('GET', '/api/imports', { query: { limit: '1' } })).body,
    );
    const [payload, signature] = (first.nextCursor ?? '').split('.');
    const forged = Buffer.from(JSON.stringify({ index: 0 })).toString('base64url');

    // Act
    const results = await Promise.all(
      [`${forged}.${signature}`, `${payload}.${signature}x`, `${payload}`, 'not-a-cursor'].map((cursor) =>
        harness.call('GET', '/api/imports', { query: { cursor } }),
      ),
    );

    // Assess
    for (const result of results) expectError(result, 400, 'BAD_REQUEST', 'Invalid cursor');
  });
});

describe('GET /api/imports/{importId}', () => {
  it('returns the public task without pipeline internals', async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({ uploadId: 'upload-1', status: 'COMPLETED', totalRows: 3, processedRows: 3 });
    await harness.tasks.create(task);

    // Act
    const result = await harness.call('GET', `/api/imports/${task.importId}`);

    // Assess
    expect(result.status).toBe(200);
    const body = taskSchema.strict().parse(result.body);
    expect(body).toMatchObject({ importId: task.importId, status: 'COMPLETED', totalRows: 3 });
    expect(result.body).not.toHaveProperty('objectKey');
    expect(result.body).not.toHaveProperty('uploadId');
  });

  it.each(['5b0c1a52-0000-4000-8000-000000000000', 'not%20an%20id', '%E0%A4%A'])(
    'answers 404 for %s',
    async (importId) => {
      const harness = await createHarness();

      const result = await harness.call('GET', `/api/imports/${importId}`);

      expectError(result, 404, 'NOT_FOUND');
    },
  );
});

describe('GET /api/imports/{importId}/errors', () => {
  const seedErrors = async (harness: Harness) => {
    const task = aTask({ status: 'PARTIAL_SUCCESS' });
    await harness.tasks.create(task);
    await harness.tasks.putChunkResult({
      importId: task.importId,
      chunkIndex: 0,
      firstRowNumber: 2,
      rowCount: 3,
      successCount: 1,
      errorCount: 2,
      errors: [
        { rowNumber: 2, errorType: 'REQUIRED', message: 'Email is required', column: 'email' },
        { rowNumber: 4, errorType: 'COLUMN_COUNT', message: 'Expected 7 columns, found 3' },
      ],
    });
    await harness.tasks.putChunkResult({
      importId: task.importId,
      chunkIndex: 1,
      firstRowNumber: 5,
      rowCount: 1,
      successCount: 0,
      errorCount: 1,
      errors: [{ rowNumber: 5, errorType: 'ALREADY_EXISTS', message: 'User exists', column: 'email' }],
    });
    return task;
  };

  it('lists row errors in row order, page by page', async () => {
    // Prepare
    const harness = await createHarness();
    const task = await seedErrors(harness);

    // Act
    const first = errorsPage.parse(
      (await harness.call('GET', `/api/imports/${task.importId}/errors`, { query: { limit: '2' } })).body,
    );
    const second = errorsPage.parse(
      (
        await harness.call('GET', `/api/imports/${task.importId}/errors`, {
          query: { limit: '2', cursor: first.nextCursor ?? '' },
        })
      ).body,
    );

    // Assess
    expect(first.items).toEqual([
      { rowNumber: 2, errorType: 'REQUIRED', message: 'Email is required', column: 'email' },
      { rowNumber: 4, errorType: 'COLUMN_COUNT', message: 'Expected 7 columns, found 3' },
    ]);
    expect(second).toEqual({
      items: [{ rowNumber: 5, errorType: 'ALREADY_EXISTS', message: 'User exists', column: 'email' }],
      nextCursor: null,
    });
  });

  it('refuses a cursor issued for another import', async () => {
    // Prepare
    const harness = await createHarness();
    const task = await seedErrors(harness);
    const other = await seedErrors(harness);
    const page = errorsPage.parse(
      (await harness.call('GET', `/api/imports/${other.importId}/errors`, { query: { limit: '1' } })).body,
    );

    // Act
    const result = await harness.call('GET', `/api/imports/${task.importId}/errors`, {
      query: { cursor: page.nextCursor ?? '' },
    });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', 'Invalid cursor');
  });

  it('accepts up to 1000 per page and no more', async () => {
    const harness = await createHarness();
    const task = await seedErrors(harness);

    const most = await harness.call('GET', `/api/imports/${task.importId}/errors`, {
      query: { limit: '1000' },
    });
    const tooMany = await harness.call('GET', `/api/imports/${task.importId}/errors`, {
      query: { limit: '1001' },
    });

    expect(errorsPage.parse(most.body).items).toHaveLength(3);
    expectError(tooMany, 400, 'BAD_REQUEST', 'between 1 and 1000');
  });

  it('answers 404 for an unknown import', async () => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/imports/5b0c1a52-0000-4000-8000-000000000000/errors');

    expectError(result, 404, 'NOT_FOUND');
  });
});

describe('GET /api/imports/{importId}/links/{kind}', () => {
  const expiresAt = new Date(NOW.getTime() + 15 * 60 * 1000).toISOString();

  const finishedImport = async (harness: Harness) => {
    const task = aTask({ status: 'PARTIAL_SUCCESS', fileName: 'users.csv' });
    await harness.tasks.create(task);
    await harness.objects.put(task.objectKey, 'email\r\n', 'text/csv');
    await harness.objects.put(exceptionsKey(task.importId), 'email,row_number\r\n', 'text/csv');
    await harness.objects.put(resultsKey(task.importId), 'row_number,status\r\n', 'text/csv');
    return task;
  };

  it.each([
    ['original', (importId: string) => `uploads/${importId}/users.csv`, 'users.csv'],
    ['exceptions', exceptionsKey, 'users-exceptions.csv'],
    ['results', resultsKey, 'users-results.csv'],
  ])('links the %s file for 15 minutes with a sensible download name', async (kind, key, downloadName) => {
    // Prepare
    const harness = await createHarness();
    const task = await finishedImport(harness);

    // Act
    const result = await harness.call('GET', `/api/imports/${task.importId}/links/${kind}`);

    // Assess
    expect(result.status).toBe(200);
    expect(linkSchema.parse(result.body)).toEqual({
      url: `https://fake-s3.test/${key(task.importId)}?expires=${LINK_TTL_SECONDS}&name=${downloadName}`,
      expiresAt,
    });
    expect(LINK_TTL_SECONDS).toBeLessThanOrEqual(900);
  });

  it('links the source email of an email import as email.eml', async () => {
    // Prepare
    const harness = await createHarness();
    const task = aTask({ source: 'email', emailKey: 'inbound/msg-1', status: 'COMPLETED' });
    await harness.tasks.create(task);
    await harness.objects.put('inbound/msg-1', 'From: a@example.com\r\n\r\nhi', 'message/rfc822');

    // Act
    const result = await harness.call('GET', `/api/imports/${task.importId}/links/email`);

    // Assess
    expect(linkSchema.parse(result.body).url).toBe(
      `https://fake-s3.test/inbound/msg-1?expires=${LINK_TTL_SECONDS}&name=email.eml`,
    );
  });

  it.each([
    ['exceptions', 'PROCESSING', undefined, 'not ready yet', 'PROCESSING'],
    ['results', 'VALIDATING', undefined, 'not ready yet', 'VALIDATING'],
    [
      'exceptions',
      'VALIDATION_FAILED',
      'Missing required column: last_name',
      'did not pass validation',
      'Missing required column: last_name',
    ],
    ['results', 'COMPLETED', undefined, 'has no result data report', ''],
    ['email', 'COMPLETED', undefined, 'did not come from an email', ''],
    ['original', 'PENDING', undefined, 'not finished uploading', ''],
  ] as const)(
    'answers 404 for %s of a %s task, saying why',
    async (kind, status, statusReason, why, detail) => {
      // Prepare
      const harness = await createHarness();
      const task = aTask({ status, ...(statusReason ? { statusReason } : {}) });
      await harness.tasks.create(task);

      // Act
      const result = await harness.call('GET', `/api/imports/${task.importId}/links/${kind}`);

      // Assess
      expectError(result, 404, 'NOT_FOUND', why, detail);
    },
  );

  it('answers 400 for an unknown kind', async () => {
    const harness = await createHarness();
    const task = await finishedImport(harness);

    const result = await harness.call('GET', `/api/imports/${task.importId}/links/zip`);

    expectError(result, 400, 'BAD_REQUEST', '"zip"', 'original, exceptions, results, email');
  });

  it('answers 404 for an unknown import', async () => {
    const harness = await createHarness();

    const result = await harness.call(
      'GET',
      '/api/imports/5b0c1a52-0000-4000-8000-000000000000/links/original',
    );

    expectError(result, 404, 'NOT_FOUND');
  });
});
