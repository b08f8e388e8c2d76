import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LocalStack } from '../helpers/local-stack';

/**
 * The local stack itself: start-up, local sign-in, the S3 endpoint's CORS, the authorization matrix of
 * every API route, and two stacks side by side.
 */

jest.setTimeout(120_000);

let stack: LocalStack;
let admin: string;
let viewer: string;

beforeAll(async () => {
  stack = await LocalStack.start();
  admin = await stack.token('admin');
  viewer = await stack.token('viewer');
});

afterAll(async () => {
  await stack?.dispose();
});

describe('start-up', () => {
  it('answers health without a token and prints where everything is', async () => {
    // Act
    const health = await stack.get('/api/health');

    // Assess
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true });
    expect(stack.logs()).toContain(`Console + API   ${stack.baseUrl}`);
    expect(stack.logs()).toContain(`S3 endpoint     ${stack.s3Url}`);
    expect(stack.logs()).toContain(stack.dataDir);
  });

  it('serves the console build at / when there is one, and no placeholder page when not', async () => {
    // Prepare
    const indexHtml = resolve(__dirname, '..', '..', 'frontend', 'dist', 'index.html');
    const built = existsSync(indexHtml);

    // Act
    const root = await stack.get('/');
    const deepLink = await stack.get('/imports/some-id');

    // Assess
    if (built) {
      const index = readFileSync(indexHtml, 'utf8');
      expect([root.status, root.text]).toEqual([200, index]);
      expect([deepLink.status, deepLink.text]).toEqual([200, index]);
    } else {
      expect([root.status, deepLink.status]).toEqual([404, 404]);
      expect(root.text).not.toMatch(/<html/i);
    }
  });

  it('refuses a bad IMPORTS_PORT with a message that names it', async () => {
    // Prepare
    const child = spawn('npx', ['tsx', 'local/start.ts'], {
      cwd: resolve(__dirname, '..', '..'),
      env: { ...process.env, IMPORTS_PORT: 'three-thousand', IMPORTS_DATA_DIR: stack.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });

    // Act
    const code = await new Promise<number | null>((done) => child.on('exit', done));

    // Assess
    expect(code).toBe(1);
    expect(output).toContain('IMPORTS_PORT="three-thousand" must be a number');
  });
});

describe('local sign-in', () => {
  it('issues Cognito-shaped access tokens: admin in admins, viewer in no group', async () => {
    // Act
    const [, adminPayload] = admin.split('.');
    const [, viewerPayload] = viewer.split('.');
    const adminClaims = JSON.parse(Buffer.from(adminPayload ?? '', 'base64url').toString('utf8'));
    const viewerClaims = JSON.parse(Buffer.from(viewerPayload ?? '', 'base64url').toString('utf8'));

    // Assess
    expect(adminClaims).toMatchObject({
      iss: stack.issuer,
      token_use: 'access',
      username: 'admin',
      'cognito:groups': ['admins'],
    });
    expect(adminClaims.exp - adminClaims.iat).toBe(3600);
    expect(viewerClaims['cognito:groups']).toBeUndefined();
    expect(viewerClaims.sub).not.toEqual(adminClaims.sub);
  });

  it('refuses an unknown username with 400', async () => {
    // Act
    const result = await stack.post('/local/token', { username: 'mallory' });

    // Assess
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: { code: 'BAD_REQUEST' } });
  });

  it('publishes the signing key under the issuer', async () => {
    // Act
    const jwks = await fetch(`${stack.issuer}/.well-known/jwks.json`);
    const body = (await jwks.json()) as { keys: Record<string, unknown>[] };

    // Assess
    expect(jwks.status).toBe(200);
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(body.keys[0]).not.toHaveProperty('d');
  });
});

describe('S3 endpoint CORS', () => {
  it('answers the console preflight and exposes ETag', async () => {
    // Act
    const response = await fetch(
      `${stack.s3Url}/bulk-imports-local/uploads/x/users.csv?partNumber=1&uploadId=u`,
      {
        method: 'OPTIONS',
        headers: {
          origin: stack.consoleOrigin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      },
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(stack.consoleOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('PUT, POST, GET, HEAD, DELETE');
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
  });

  it('refuses a preflight from any other origin', async () => {
    // Act
    const response = await fetch(`${stack.s3Url}/bulk-imports-local/uploads/x/users.csv`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' },
    });

    // Assess
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});

/**
 * Every route of DESIGN §6 but health: without a token, with a forged, expired, foreign-issuer,
 * wrong-client or ID token, and as a non-admin.
 */
const PROTECTED_ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/templates' },
  { method: 'GET', path: '/api/templates/users/sample' },
  { method: 'GET', path: '/api/templates/users/records' },
  { method: 'POST', path: '/api/imports', body: { templateId: 'users', fileName: 'a.csv', fileSize: 10 } },
  { method: 'GET', path: '/api/imports' },
  { method: 'GET', path: '/api/imports/00000000-0000-4000-8000-000000000000' },
  {
    method: 'POST',
    path: '/api/imports/00000000-0000-4000-8000-000000000000/upload/complete',
    body: { parts: [{ partNumber: 1, etag: '"x"' }] },
  },
  { method: 'GET', path: '/api/imports/00000000-0000-4000-8000-000000000000/errors' },
  { method: 'GET', path: '/api/imports/00000000-0000-4000-8000-000000000000/links/results' },
  { method: 'GET', path: '/api/imports/00000000-0000-4000-8000-000000000000/links/email' },
  { method: 'GET', path: '/api/settings/email' },
  {
    method: 'PUT',
    path: '/api/settings/email',
    body: { enabled: false, addresses: [], allowedSenders: [], replyToSender: true },
  },
];

describe('authorization on every route', () => {
  const badTokens = async (): Promise<[string, string | undefined][]> => {
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 2 * 3600 * 1000);
    return [
      ['no token', undefined],
      ['a garbage token', 'not-a-jwt'],
      ['a token signed by another key', await stack.signToken(stack.claims('admin'), 'forged')],
      ['an expired token', await stack.signToken(stack.claims('admin', hourAgo))],
      [
        'a token of another issuer',
        await stack.signToken({ ...stack.claims('admin'), iss: 'http://elsewhere/pool' }),
      ],
      [
        'a token of another client',
        await stack.signToken({ ...stack.claims('admin'), client_id: 'other-app' }),
      ],
      ['an ID token', await stack.signToken({ ...stack.claims('admin'), token_use: 'id' })],
    ];
  };

  it.each(PROTECTED_ROUTES)(
    '$method $path is 401 without a valid token and 403 for a non-admin',
    async (route) => {
      // Prepare
      const tokens = await badTokens();

      // Act
      const unauthorized = await Promise.all(
        tokens.map(async ([label, token]) => {
          const result = await stack.request(route.method, route.path, {
            ...(token ? { token } : {}),
            ...(route.body !== undefined ? { body: route.body } : {}),
          });
          return [label, result.status, (result.body as { error?: { code?: string } }).error?.code];
        }),
      );
      const forbidden = await stack.request(route.method, route.path, {
        token: viewer,
        ...(route.body !== undefined ? { body: route.body } : {}),
      });

      // Assess
      expect(unauthorized).toEqual(tokens.map(([label]) => [label, 401, 'UNAUTHORIZED']));
      expect(forbidden.status).toBe(403);
      expect(forbidden.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    },
  );

  it('lets an admin through', async () => {
    // Act
    const templates = await stack.get('/api/templates', admin);
    const imports = await stack.get('/api/imports', admin);

    // Assess
    expect(templates.status).toBe(200);
    expect(imports.status).toBe(200);
  });
});

describe('side by side', () => {
  it('runs a second stack on other ports and another data dir without touching the first', async () => {
    // Prepare
    const second = await LocalStack.start();
    try {
      // Act
      const secondAdmin = await second.token('admin');
      const created = await second.post(
        '/api/imports',
        { templateId: 'users', fileName: 'side.csv', fileSize: 10 },
        secondAdmin,
      );
      const firstList = await stack.get('/api/imports', admin);
      const crossToken = await stack.get('/api/imports', secondAdmin);

      // Assess
      expect(second.ports.api).not.toBe(stack.ports.api);
      expect(created.status).toBe(201);
      const ids = (firstList.body as { items: { importId: string }[] }).items.map((task) => task.importId);
      expect(ids).not.toContain((created.body as { import: { importId: string } }).import.importId);
      // Each stack signs with its own key and issuer.
      expect(crossToken.status).toBe(401);
    } finally {
      await second.dispose();
    }
  });
});
