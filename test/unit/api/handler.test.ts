import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { toApiRequest, toStructuredResult } from '../../../lambdas/api/http-event';
import { ADMIN_GROUP, accessToken, CLIENT_ID, createSigner, type TestSigner } from './support';

const httpEvent = (
  method: string,
  rawPath: string,
  options: {
    headers?: Record<string, string>;
    body?: string;
    isBase64Encoded?: boolean;
    query?: Record<string, string>;
  } = {},
): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: '$default',
  rawPath,
  rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
  headers: options.headers ?? {},
  ...(options.query ? { queryStringParameters: options.query } : {}),
  requestContext: {
    accountId: '123456789012',
    apiId: 'api-id',
    domainName: 'example.test',
    domainPrefix: 'example',
    http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'jest' },
    requestId: 'req-handler-1',
    routeKey: '$default',
    stage: '$default',
    time: '22/Nov/2026:12:00:00 +0000',
    timeEpoch: 1795003200000,
  },
  ...(options.body === undefined ? {} : { body: options.body }),
  isBase64Encoded: options.isBase64Encoded ?? false,
});

describe('toApiRequest / toStructuredResult', () => {
  it('decodes a base64 body and lower-cases header names', () => {
    const event = httpEvent('POST', '/api/imports', {
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      body: Buffer.from('{"a":"é"}').toString('base64'),
      isBase64Encoded: true,
      query: { limit: '5' },
    });

    expect(toApiRequest(event)).toEqual({
      method: 'POST',
      path: '/api/imports',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      query: { limit: '5' },
      body: '{"a":"é"}',
      requestId: 'req-handler-1',
    });
  });

  it('passes status, headers and body through as a structured result', () => {
    expect(
      toStructuredResult({ statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{}' }),
    ).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      isBase64Encoded: false,
    });
  });
});

describe('handler (cold start wiring)', () => {
  const savedEnv = { ...process.env };
  let server: Server;
  let signer: TestSigner;
  let issuer: string;
  let jwksRequests = 0;

  beforeAll(async () => {
    signer = await createSigner('handler-key');
    // Plays Cognito: the JWKS is served under the issuer, as the handler expects.
    server = createServer((request, response) => {
      if (request.url === '/pool/.well-known/jwks.json') {
        jwksRequests += 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signer.jwks));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool`;
  });

  afterAll(async () => {
    process.env = savedEnv;
    await new Promise((resolve) => server.close(resolve));
  });

  const settings = () => ({
    AWS_REGION: 'eu-west-1',
    BUCKET_NAME: 'imports-bucket',
    STATE_TABLE: 'imports-state',
    RECORDS_TABLE: 'imports-records',
    AUTH_ISSUER: issuer,
    AUTH_CLIENT_IDS: `other, ${CLIENT_ID}`,
    CURSOR_SECRET: 'a-cursor-secret-of-at-least-32-characters',
    LOG_LEVEL: 'ERROR',
  });

  const loadHandler = () => {
    let loaded: typeof import('../../../lambdas/api/handler') | undefined;
    jest.isolateModules(() => {
      loaded = require('../../../lambdas/api/handler');
    });
    if (!loaded) throw new Error('handler module did not load');
    return loaded.handler;
  };

  it('fails at cold start when a setting is missing', () => {
    process.env = { ...savedEnv, ...settings(), CURSOR_SECRET: undefined };

    // isolateModules loads its own copy of the errors module, so the class is matched by its message.
    expect(loadHandler).toThrow(/Invalid configuration: CURSOR_SECRET/);
  });

  it('serves health, and verifies tokens against the JWKS published under the issuer', async () => {
    // Prepare
    process.env = { ...savedEnv, ...settings() };
    const handler = loadHandler();
    const token = (options: { groups: string[] }) =>
      accessToken(signer, { ...options, claims: { iss: issuer } });
    const admin = { authorization: `Bearer ${await token({ groups: [ADMIN_GROUP] })}` };
    const viewer = { authorization: `Bearer ${await token({ groups: ['viewers'] })}` };

    // Act
    const health = await handler(httpEvent('GET', '/api/health'));
    const anonymous = await handler(httpEvent('GET', '/api/templates'));
    const asViewer = await handler(httpEvent('GET', '/api/templates', { headers: viewer }));
    const asAdmin = await handler(httpEvent('GET', '/api/templates', { headers: admin }));

    // Assess
    expect(health).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
    expect(anonymous.statusCode).toBe(401);
    expect(asViewer.statusCode).toBe(403);
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(jwksRequests).toBeGreaterThan(0);
  });
});
