import { z } from 'zod';
import { API_ROUTES } from '../../../lambdas/api/router';
import { findTemplate, listTemplates, sampleCsv } from '../../../lambdas/shared/templates';
import { createHarness, expectError } from './support';

const templateSchema = z
  .object({
    templateId: z.string(),
    name: z.string(),
    description: z.string(),
    mode: z.enum(['insert', 'upsert']),
    key: z.string(),
    columns: z.array(
      z
        .object({ name: z.string(), required: z.boolean(), description: z.string(), example: z.string() })
        .strict(),
    ),
  })
  .strict();

const recordsPage = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullable(),
});

describe('GET /api/health', () => {
  it('answers without a token', async () => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/health', { token: null });

    expect(result.status).toBe(200);
    expect(result.body).toEqual({ ok: true });
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });
});

describe('GET /api/templates', () => {
  it('describes every template with its columns', async () => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/templates');

    const { items } = z
      .object({ items: z.array(templateSchema) })
      .strict()
      .parse(result.body);
    expect(items.map((template) => template.templateId)).toEqual(
      listTemplates().map((template) => template.templateId),
    );
    expect(items.find((template) => template.templateId === 'users')).toMatchObject({
      mode: 'insert',
      key: 'email',
      columns: expect.arrayContaining([
        { name: 'email', required: true, description: expect.any(String), example: expect.any(String) },
      ]),
    });
  });
});

describe('GET /api/templates/{templateId}/sample', () => {
  it('downloads the sample CSV as an attachment', async () => {
    // Prepare
    const harness = await createHarness();
    const users = findTemplate('users');
    if (!users) throw new Error('users template missing');

    // Act
    const result = await harness.call('GET', '/api/templates/users/sample');

    // Assess
    expect(result.status).toBe(200);
    expect(result.headers).toMatchObject({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="users-sample.csv"',
    });
    expect(result.body).toBe(sampleCsv(users));
  });

  it('answers 404 for an unknown template', async () => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/templates/invoices/sample');

    expectError(result, 404, 'NOT_FOUND', 'invoices');
  });
});

describe('GET /api/templates/{templateId}/records', () => {
  it('lists imported records keyed by every template column, page by page', async () => {
    // Prepare
    const harness = await createHarness();
    const origin = { importId: 'import-1', rowNumber: 2 };
    await harness.records.insert(
      'users',
      'ada@example.com',
      { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', role: 'admin' },
      origin,
    );
    await harness.records.insert(
      'users',
      'alan@example.com',
      {
        email: 'alan@example.com',
        first_name: 'Alan',
        last_name: 'Turing',
        role: 'member',
        phone: '+15551234567',
      },
      { ...origin, rowNumber: 3 },
    );
    await harness.records.upsert('departments', 'eng', { code: 'eng' }, origin);

    // Act
    const first = recordsPage.parse(
      (await harness.call('GET', '/api/templates/users/records', { query: { limit: '1' } })).body,
    );
    const second = recordsPage.parse(
      (
        await harness.call('GET', '/api/templates/users/records', {
          query: { limit: '1', cursor: first.nextCursor ?? '' },
        })
      ).body,
    );

    // Assess
    expect(first.items).toEqual([
      {
        email: 'ada@example.com',
        first_name: 'Ada',
        last_name: 'Lovelace',
        role: 'admin',
        phone: null,
        department: null,
        start_date: null,
      },
    ]);
    expect(second).toEqual({
      items: [
        expect.objectContaining({ email: 'alan@example.com', phone: '+15551234567', department: null }),
      ],
      nextCursor: null,
    });
  });

  it('refuses a cursor issued for another template', async () => {
    // Prepare
    const harness = await createHarness();
    const origin = { importId: 'import-1', rowNumber: 2 };
    for (const code of ['eng', 'ops']) await harness.records.upsert('departments', code, { code }, origin);
    const page = recordsPage.parse(
      (await harness.call('GET', '/api/templates/departments/records', { query: { limit: '1' } })).body,
    );

    // Act
    const result = await harness.call('GET', '/api/templates/users/records', {
      query: { cursor: page.nextCursor ?? '' },
    });

    // Assess
    expectError(result, 400, 'BAD_REQUEST', 'Invalid cursor');
  });

  it('answers 404 for an unknown template', async () => {
    const harness = await createHarness();

    const result = await harness.call('GET', '/api/templates/invoices/records');

    expectError(result, 404, 'NOT_FOUND', 'invoices');
  });
});

describe('routing', () => {
  it('serves exactly the routes of DESIGN §6, all but health behind the token check', () => {
    // Act
    const routes = API_ROUTES.map(
      ({ method, pattern, isPublic }) => `${method} ${pattern}${isPublic ? ' (public)' : ''}`,
    );

    // Assess
    expect(routes).toEqual([
      'GET /api/health (public)',
      'GET /api/templates',
      'GET /api/templates/{templateId}/sample',
      'GET /api/templates/{templateId}/records',
      'POST /api/templates/{templateId}/match',
      'GET /api/templates/{templateId}/mappings',
      'DELETE /api/templates/{templateId}/mappings/{mappingId}',
      'POST /api/imports',
      'GET /api/imports',
      'GET /api/imports/{importId}',
      'POST /api/imports/{importId}/upload/complete',
      'POST /api/imports/{importId}/commit',
      'POST /api/imports/{importId}/cancel',
      'POST /api/imports/{importId}/fixes',
      'GET /api/imports/{importId}/errors',
      'GET /api/imports/{importId}/failed-rows',
      'GET /api/imports/{importId}/links/{kind}',
      'GET /api/settings/email',
      'PUT /api/settings/email',
    ]);
  });

  it.each([
    ['GET', '/api/nothing-here'],
    ['DELETE', '/api/imports'],
    ['DELETE', '/api/templates/users/mappings'],
    ['GET', '/api/imports/a/b/c'],
    ['GET', '/imports'],
  ])('answers 404 NOT_FOUND for %s %s, token or not', async (method, path) => {
    const harness = await createHarness();

    const withToken = await harness.call(method, path);
    const withoutToken = await harness.call(method, path, { token: null });

    expectError(withToken, 404, 'NOT_FOUND', path);
    expectError(withoutToken, 404, 'NOT_FOUND', path);
  });

  it('ignores a trailing slash and the method case', async () => {
    const harness = await createHarness();

    const result = await harness.call('get', '/api/templates/');

    expect(result.status).toBe(200);
  });

  it('answers 500 with a plain message and logs the details of an unexpected failure', async () => {
    // Prepare
    const harness = await createHarness();
    const failure = new Error('ProvisionedThroughputExceeded at table imports-state');
    jest.spyOn(harness.tasks, 'list').mockRejectedValue(failure);

    // Act
    const result = await harness.call('GET', '/api/imports');

    // Assess
    expectError(result, 500, 'INTERNAL', 'Something went wrong on our side', 'req-test-1');
    expect(result.raw.body).not.toContain('ProvisionedThroughput');
    expect(result.raw.body).not.toContain('at ');
    expect(harness.logger.error).toHaveBeenCalledWith('Request failed unexpectedly', {
      method: 'GET',
      path: '/api/imports',
      requestId: 'req-test-1',
      error: failure,
    });
  });
});
