import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { ACCOUNT_ID_RULE, accountIdSchema } from '../../lambdas/shared/account';
import type { FunctionInvoker } from '../functions/invoker';
import type { Log } from '../log';
import { fromApiGatewayResult, type HttpResponse, integrationError, toApiGatewayEvent } from './api-gateway';
import {
  accessTokenClaims,
  JWKS_SUFFIX,
  LOCAL_USERNAME_RULE,
  type LocalSecrets,
  localUsernameSchema,
  publicJwks,
  signAccessToken,
} from './auth';
import { closeServer, listen, type RunningServer } from './servers';
import { serveConsole } from './static-console';

/**
 * The stack's front door on IMPORTS_PORT: `/api/*` plays the HTTP API in front of the API function,
 * `/local/*` is local sign-in (token and JWKS), and everything else is the console build.
 */

export interface HttpServerOptions {
  port: number;
  /** Undefined while the API function does not exist yet. */
  api: FunctionInvoker;
  consoleRoot: string;
  secrets: LocalSecrets;
  issuer: string;
  clientId: string;
  log: Log;
}

/** HTTP APIs refuse request bodies over 10 MB. */
const MAX_API_BODY = 10 * 1024 * 1024;
const MAX_LOCAL_BODY = 16 * 1024;

class BodyTooLargeError extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLargeError';
  }
}

const readBody = async (request: IncomingMessage, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
};

const send = (response: ServerResponse, result: HttpResponse) => {
  const headers: http.OutgoingHttpHeaders = { ...result.headers };
  if (result.cookies.length > 0) headers['set-cookie'] = result.cookies;
  headers['content-length'] = result.body.length;
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
};

const jsonError = (statusCode: number, code: string, message: string): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ error: { code, message } })),
});

const json = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

const tokenRequestSchema = z.object({
  username: localUsernameSchema,
  account: accountIdSchema.optional(),
});

export const startHttpServer = async (options: HttpServerOptions): Promise<RunningServer> => {
  const { log } = options;
  const issuerPath = new URL(options.issuer).pathname;

  const handleApi = async (request: IncomingMessage, url: string): Promise<HttpResponse> => {
    let body: Buffer;
    try {
      body = await readBody(request, MAX_API_BODY);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // The rest of the body is never read, so the connection cannot carry another request: close it
        // rather than let the client's next request on it fail half-way.
        const tooLarge = json(413, { message: 'Request Entity Too Large' });
        return { ...tooLarge, headers: { ...tooLarge.headers, connection: 'close' } };
      }
      throw error;
    }
    const event = toApiGatewayEvent({
      method: request.method ?? 'GET',
      url,
      headers: request.headers,
      body,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      now: new Date(),
    });
    try {
      return fromApiGatewayResult(await options.api.invoke(event));
    } catch (error) {
      log.error('API function failed', error, {
        method: event.requestContext.http.method,
        path: event.rawPath,
      });
      return integrationError();
    }
  };

  const handleToken = async (request: IncomingMessage): Promise<HttpResponse> => {
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse((await readBody(request, MAX_LOCAL_BODY)).toString('utf8'));
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof BodyTooLargeError) {
        return jsonError(400, 'BAD_REQUEST', 'Send a JSON body like {"username":"admin","account":"acme"}.');
      }
      throw error;
    }
    const body = tokenRequestSchema.safeParse(parsedBody);
    if (!body.success) {
      const issue = body.error.issues[0];
      const field = issue?.path[0] === 'account' ? 'account' : 'username';
      const rule = field === 'account' ? ACCOUNT_ID_RULE : LOCAL_USERNAME_RULE;
      return jsonError(400, 'BAD_REQUEST', `Invalid ${field}: ${rule}.`);
    }
    const claims = accessTokenClaims(body.data.username, {
      issuer: options.issuer,
      clientId: options.clientId,
      now: new Date(),
      ...(body.data.account === undefined ? {} : { account: body.data.account }),
    });
    return json(200, { token: await signAccessToken(options.secrets, claims) });
  };

  /**
   * Only a request addressed to this stack by a loopback name gets a token. A web page cannot mint one by
   * DNS rebinding (its own host name resolving to 127.0.0.1): the browser still sends that name as Host.
   */
  let listeningPort = options.port;
  const isOwnHost = (host: string | undefined): boolean => {
    if (!host) return false;
    const colon = host.lastIndexOf(':');
    const name = (colon > host.lastIndexOf(']') ? host.slice(0, colon) : host).toLowerCase();
    const port = colon > host.lastIndexOf(']') ? host.slice(colon + 1) : '80';
    const loopback =
      name === 'localhost' || name.endsWith('.localhost') || name === '127.0.0.1' || name === '[::1]';
    return loopback && port === String(listeningPort);
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<number> => {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    let result: HttpResponse;
    if (path === '/api' || path.startsWith('/api/')) {
      result = await handleApi(request, url);
    } else if (path === '/local/token') {
      result = !isOwnHost(request.headers.host)
        ? jsonError(403, 'FORBIDDEN', 'Local tokens are issued only to requests for localhost or 127.0.0.1.')
        : method === 'POST'
          ? await handleToken(request)
          : jsonError(405, 'BAD_REQUEST', 'Use POST.');
    } else if (path === `${issuerPath}${JWKS_SUFFIX}`) {
      result = json(200, publicJwks(options.secrets));
    } else if (path === '/local' || path.startsWith('/local/')) {
      result = jsonError(404, 'NOT_FOUND', `No local route ${path}.`);
    } else if (
      (method === 'GET' || method === 'HEAD') &&
      (await serveConsole(options.consoleRoot, path, method, response))
    ) {
      return 200;
    } else {
      result = jsonError(404, 'NOT_FOUND', `Nothing at ${path}: the console is not built (frontend/dist).`);
    }
    send(response, result);
    return result.statusCode;
  };

  const server = http.createServer((request, response) => {
    const started = Date.now();
    route(request, response)
      .then((status) => {
        if (request.url?.startsWith('/api')) {
          log.info(`${request.method} ${request.url?.split('?')[0]}`, { status, ms: Date.now() - started });
        }
      })
      .catch((error: unknown) => {
        log.error('request failed', error, { method: request.method, url: request.url });
        if (response.headersSent) response.destroy();
        else send(response, integrationError());
      });
  });
  const port = await listen(server, options.port);
  listeningPort = port;
  log.info('console and API listening', { url: `http://localhost:${port}` });
  return { url: `http://localhost:${port}`, close: () => closeServer(server) };
};
