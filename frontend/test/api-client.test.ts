import { ApiError, createApiClient } from '../../client/api-client';

const task = {
  importId: 'i-1',
  templateId: 'users',
  fileName: 'users.csv',
  source: 'upload',
  status: 'PROCESSING',
  createdBy: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
  processedRows: 10,
  successCount: 9,
  errorCount: 1,
};

const respond = (status: number, body: unknown) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

const setup = (answer: () => Response | Promise<Response>) => {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const onUnauthorized = jest.fn();
  const api = createApiClient({
    url: (path) => `https://api.example.com${path}`,
    token: () => 'token-1',
    onUnauthorized,
    fetchFn: async (input, init) => {
      calls.push({ url: String(input), init });
      return answer();
    },
  });
  return { api, calls, onUnauthorized };
};

describe('createApiClient', () => {
  it('sends the bearer token and returns the checked answer', async () => {
    // Prepare
    const { api, calls } = setup(() => respond(200, task));

    // Act
    const result = await api.getImport('i-1');

    // Assess
    expect(result).toEqual(task);
    expect(calls[0]?.url).toBe('https://api.example.com/api/imports/i-1');
    expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBe('Bearer token-1');
  });

  it('pages with limit and cursor in the query', async () => {
    // Prepare
    const { api, calls } = setup(() => respond(200, { items: [task], nextCursor: 'next' }));

    // Act
    const page = await api.listImports(20, 'abc/+=');

    // Assess
    expect(page.nextCursor).toBe('next');
    expect(calls[0]?.url).toBe('https://api.example.com/api/imports?limit=20&cursor=abc%2F%2B%3D');
  });

  it("turns the API's error body into an ApiError with its code and message", async () => {
    // Prepare
    const { api, onUnauthorized } = setup(() =>
      respond(400, {
        error: { code: 'BAD_REQUEST', message: 'Invalid request body: fileName: must end in .csv' },
      }),
    );

    // Act
    const failure = api.createImport({ templateId: 'users', fileName: 'a.txt', fileSize: 1 });

    // Assess
    await expect(failure).rejects.toEqual(
      new ApiError(400, 'BAD_REQUEST', 'Invalid request body: fileName: must end in .csv'),
    );
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('reports a 401 so the console can ask for sign-in again', async () => {
    // Prepare
    const { api, onUnauthorized } = setup(() =>
      respond(401, { error: { code: 'UNAUTHORIZED', message: 'Sign in again' } }),
    );

    // Act
    const failure = api.listTemplates();

    // Assess
    await expect(failure).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('refuses an answer of the wrong shape instead of passing it on', async () => {
    // Prepare
    const { api } = setup(() => respond(200, { ...task, status: 'DONE' }));

    // Act
    const failure = api.getImport('i-1');

    // Assess
    await expect(failure).rejects.toMatchObject({ code: 'UNEXPECTED_RESPONSE' });
  });

  it('says so plainly when the server cannot be reached', async () => {
    // Prepare
    const { api } = setup(() => Promise.reject(new TypeError('fetch failed')));

    // Act
    const failure = api.getImport('i-1');

    // Assess
    await expect(failure).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });
});
