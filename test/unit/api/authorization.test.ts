import { API_ROUTES } from '../../../lambdas/api/router';
import { aTask } from '../../helpers/factories';
import { accessToken, createHarness, expectError } from './support';

/** Every route but health, each with a body that would be valid, so only the caller can be refused. */
// Every row has three entries: jest reads a test function with more parameters than values as `done` style.
const PROTECTED_ROUTES: [method: string, path: string, body: unknown][] = [
  ['GET', '/api/templates', undefined],
  ['GET', '/api/templates/users/sample', undefined],
  ['GET', '/api/templates/users/records', undefined],
  ['POST', '/api/templates/users/match', { header: ['Email'] }],
  ['GET', '/api/templates/users/mappings', undefined],
  ['DELETE', '/api/templates/users/mappings/0123456789abcdef0123456789abcdef', undefined],
  ['POST', '/api/imports', { templateId: 'users', fileName: 'users.csv', fileSize: 10 }],
  ['GET', '/api/imports', undefined],
  ['GET', '/api/imports/{id}', undefined],
  ['POST', '/api/imports/{id}/upload/complete', { parts: [{ partNumber: 1, etag: '"a"' }] }],
  ['POST', '/api/imports/{id}/commit', {}],
  ['POST', '/api/imports/{id}/cancel', {}],
  ['GET', '/api/imports/{id}/failed-rows', undefined],
  ['POST', '/api/imports/{id}/fixes', { rows: [{ rowNumber: 2, values: {} }] }],
  ['GET', '/api/imports/{id}/errors', undefined],
  ['GET', '/api/imports/{id}/links/original', undefined],
  ['GET', '/api/imports/{id}/links/exceptions', undefined],
  ['GET', '/api/imports/{id}/links/results', undefined],
  ['GET', '/api/imports/{id}/links/email', undefined],
  ['GET', '/api/settings/email', undefined],
  ['PUT', '/api/settings/email', { enabled: false, addresses: [], allowedSenders: [], replyToSender: true }],
];

/** `/api/imports/{importId}` → a regex that matches its concrete paths. */
const patternRegex = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/\{\w+\}/g, '[^/]+')}$`);

const setUp = async () => {
  const harness = await createHarness();
  const task = aTask({ source: 'email', emailKey: 'inbound/m-1', uploadId: 'upload-1' });
  await harness.tasks.create(task);
  const pathOf = (path: string) => path.replace('{id}', task.importId);
  return { harness, pathOf };
};

describe('authorization over every route', () => {
  it('covers every protected route of the router, so a new route cannot be left out', () => {
    // Act
    const uncovered = API_ROUTES.filter(
      (route) =>
        !route.isPublic &&
        !PROTECTED_ROUTES.some(
          ([method, path]) => method === route.method && patternRegex(route.pattern).test(path),
        ),
    );

    // Assess
    expect(uncovered).toEqual([]);
  });

  it.each(PROTECTED_ROUTES)('%s %s answers 401 without a token', async (method, path, body) => {
    const { harness, pathOf } = await setUp();

    const result = await harness.call(method, pathOf(path), { body, token: null });

    expectError(result, 401, 'UNAUTHORIZED', 'Bearer');
  });

  it.each(PROTECTED_ROUTES)('%s %s answers 401 for a token that is not valid', async (method, path, body) => {
    const { harness, pathOf } = await setUp();

    const result = await harness.call(method, pathOf(path), { body, token: 'eyJhbGciOiJub25lIn0.e30.' });

    expectError(result, 401, 'UNAUTHORIZED');
  });

  it.each(PROTECTED_ROUTES)('%s %s answers 403 for a signed-in non-admin', async (method, path, body) => {
    // Prepare
    const { harness, pathOf } = await setUp();
    const before = structuredClone([...harness.tasks.tasks.entries()]);

    // Act
    const result = await harness.call(method, pathOf(path), { body, token: harness.viewerToken });

    // Assess
    expectError(result, 403, 'FORBIDDEN', 'administrators');
    expect([...harness.tasks.tasks.entries()]).toEqual(before);
    expect(harness.objects.uploads.size).toBe(0);
  });

  it('lets an admin through on every route (no 401/403)', async () => {
    const { harness, pathOf } = await setUp();

    const results = await Promise.all(
      PROTECTED_ROUTES.map(([method, path, body]) => harness.call(method, pathOf(path), { body })),
    );

    for (const result of results) expect([401, 403]).not.toContain(result.status);
  });

  it('records the caller as createdBy, from cognito:username when there is no username claim', async () => {
    // Prepare
    const harness = await createHarness();
    const token = await accessToken(harness.signer, {
      claims: { username: undefined, 'cognito:username': 'grace' },
    });

    // Act
    const result = await harness.call('POST', '/api/imports', {
      body: { templateId: 'users', fileName: 'users.csv', fileSize: 10 },
      token,
    });

    // Assess
    expect(result.body).toMatchObject({ import: { createdBy: 'grace' } });
  });
});
