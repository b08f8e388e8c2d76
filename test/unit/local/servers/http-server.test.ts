import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { decodeJwt } from 'jose';
import type { FunctionInvoker } from '../../../../local/functions/invoker';
import type { Log } from '../../../../local/log';
import { LOCAL_CLIENT_ID, loadOrCreateSecrets } from '../../../../local/servers/auth';
import { startHttpServer } from '../../../../local/servers/http-server';
import type { RunningServer } from '../../../../local/servers/servers';

const quietLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ISSUER = 'http://localhost:3000/local/us-east-1_LocalPool';

describe('HTTP server of the local stack', () => {
  let dir: string;
  let server: RunningServer | undefined;
  let events: APIGatewayProxyEventV2[];

  const start = async (api: FunctionInvoker, withConsole: boolean) => {
    const consoleRoot = join(dir, 'dist');
    if (withConsole) {
      await mkdir(join(consoleRoot, 'assets'), { recursive: true });
      await writeFile(join(consoleRoot, 'index.html'), '<!doctype html><title>Console</title>');
      await writeFile(join(consoleRoot, 'assets', 'app-1.js'), 'console.log(1)');
    }
    const { secrets } = await loadOrCreateSecrets(join(dir, 'secrets'));
    server = await startHttpServer({
      port: 0,
      api,
      consoleRoot,
      secrets,
      issuer: ISSUER,
      clientId: LOCAL_CLIENT_ID,
      log: quietLog,
    });
    return server.url;
  };

  const echoApi: FunctionInvoker = {
    name: 'api',
    invoke: async (event) => {
      events.push(event as APIGatewayProxyEventV2);
      return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"created":true}' };
    },
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'http-server-'));
    events = [];
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('hands /api requests to the API function as HTTP API events and returns its answer', async () => {
    // Prepare
    const url = await start(echoApi, false);

    // Act
    const response = await fetch(`${url}/api/imports?limit=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
      body: '{"a":1}',
    });

    // Assess
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ created: true });
    expect(events[0]).toMatchObject({
      rawPath: '/api/imports',
      rawQueryString: 'limit=2',
      body: '{"a":1}',
      headers: { authorization: 'Bearer x' },
      requestContext: { http: { method: 'POST' } },
    });
  });

  it('answers 500 like API Gateway when the function fails, and 413 over 10 MB', async () => {
    // Prepare
    const url = await start(
      {
        name: 'api',
        invoke: async () => {
          throw new Error('crash');
        },
      },
      false,
    );

    // Act
    const failed = await fetch(`${url}/api/health`);
    const tooBig = await fetch(`${url}/api/imports`, {
      method: 'POST',
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });

    // Assess
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    expect(tooBig.status).toBe(413);
  });

  it('issues tokens for any safe username in the account asked for (default: default), admins by name', async () => {
    // Prepare
    const url = await start(echoApi, false);
    const token = (body: Record<string, unknown>) =>
      fetch(`${url}/local/token`, { method: 'POST', body: JSON.stringify(body) });
    const claimsOf = async (response: Response) =>
      decodeJwt(((await response.json()) as { token: string }).token);

    // Act
    const admin = await token({ username: 'admin' });
    const acmeAdmin = await token({ username: 'admin-eu', account: 'acme' });
    const viewer = await token({ username: 'root', account: 'acme' });

    // Assess
    expect(admin.status).toBe(200);
    expect(await claimsOf(admin)).toMatchObject({
      iss: ISSUER,
      username: 'admin',
      token_use: 'access',
      account: 'default',
      'cognito:groups': ['admins'],
    });
    expect(await claimsOf(acmeAdmin)).toMatchObject({
      username: 'admin-eu',
      account: 'acme',
      'cognito:groups': ['admins'],
    });
    const viewerClaims = await claimsOf(viewer);
    expect(viewerClaims).toMatchObject({ username: 'root', account: 'acme' });
    expect(viewerClaims).not.toHaveProperty('cognito:groups');
  });

  it('refuses an unsafe username or account id with a 400 that names which, and a body that is not JSON', async () => {
    // Prepare
    const url = await start(echoApi, false);
    const token = (body: Record<string, unknown>) =>
      fetch(`${url}/local/token`, { method: 'POST', body: JSON.stringify(body) });
    const messageOf = async (response: Response) =>
      ((await response.json()) as { error: { message: string } }).error.message;

    // Act
    const badUser = await token({ username: 'Root!' });
    const badAccounts = await Promise.all(
      ['', 'Acme', '../other', 'a#b', 'x'.repeat(65), 42].map((account) =>
        token({ username: 'admin', account }),
      ),
    );
    const malformed = await fetch(`${url}/local/token`, { method: 'POST', body: 'username=admin' });

    // Assess
    expect(badUser.status).toBe(400);
    expect(await messageOf(badUser)).toContain('Invalid username');
    for (const response of badAccounts) {
      expect(response.status).toBe(400);
      expect(await messageOf(response)).toContain(
        'Invalid account: an account id is 1 to 64 lower-case letters',
      );
    }
    expect(malformed.status).toBe(400);
  });

  it('issues tokens only to requests for its own loopback host names (no DNS rebinding)', async () => {
    // Prepare
    const url = new URL(await start(echoApi, false));
    const post = (host: string | undefined) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port: url.port,
            path: '/local/token',
            method: 'POST',
            setHost: false,
            headers: host === undefined ? {} : { host },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify({ username: 'admin' }));
      });

    // Act
    const statuses = {
      localhost: await post(`localhost:${url.port}`),
      loopback: await post(`127.0.0.1:${url.port}`),
      ipv6: await post(`[::1]:${url.port}`),
      rebound: await post(`evil.example:${url.port}`),
      lookAlike: await post(`localhost.evil.example:${url.port}`),
      otherPort: await post(`localhost:${Number(url.port) + 1}`),
      none: await post(undefined),
    };

    // Assess
    expect(statuses).toEqual({
      localhost: 200,
      loopback: 200,
      ipv6: 200,
      rebound: 403,
      lookAlike: 403,
      otherPort: 403,
      none: 400, // Node's server refuses an HTTP/1.1 request without Host itself
    });
  });

  it('serves the console build, with index.html for client-side routes', async () => {
    // Prepare
    const url = await start(echoApi, true);

    // Act
    const root = await fetch(`${url}/`);
    const route = await fetch(`${url}/imports/123`);
    const asset = await fetch(`${url}/assets/app-1.js`);
    const climbing = await fetch(`${url}/..%2f..%2fsecrets/local-secrets.json`);

    // Assess
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<title>Console</title>');
    expect(await route.text()).toContain('<title>Console</title>');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await climbing.text()).toContain('<title>Console</title>');
  });

  it('serves nothing but a 404 without a console build', async () => {
    // Prepare
    const url = await start(echoApi, false);

    // Act
    const root = await fetch(`${url}/`);

    // Assess
    expect(root.status).toBe(404);
    expect(root.headers.get('content-type')).toBe('application/json');
  });
});
