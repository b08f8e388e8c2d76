import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LocalStack } from '../helpers/local-stack';

/**
 * The local stack itself: start-up, local sign-in, the S3 endpoint's CORS, and two stacks side by side.
 * The authorization matrix of every API route is in security.test.ts.
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

  it('refuses a username or an account id that is not safe with 400, naming which', async () => {
    // Act
    const badUser = await stack.post('/local/token', { username: 'Mallory <m@x>' });
    const badAccount = await stack.post('/local/token', { username: 'admin', account: '../default' });

    // Assess
    expect(badUser.status).toBe(400);
    expect(badUser.body).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('username') },
    });
    expect(badAccount.status).toBe(400);
    expect(badAccount.body).toMatchObject({
      error: { code: 'BAD_REQUEST', message: expect.stringContaining('Invalid account') },
    });
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
    expect(response.headers.get('access-control-allow-methods')).toBe('PUT, GET, HEAD');
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
