import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { UPLOAD_NOTIFICATION_PREFIX } from '../../lambdas/shared/resource-definitions';
import { type ObjectCreation, objectCreation } from '../events/s3-event';
import type {
  JournalEntry,
  NotificationJournal,
  NotificationSender,
  ObjectProbe,
} from '../journals/notification-journal';
import type { Log } from '../log';
import { type CorsRule, corsResponseHeaders, preflight } from '../servers/cors';
import { closeServer, listen, type RunningServer } from '../servers/servers';
import type { RangeReader } from './object-ranges';

/**
 * The S3 endpoint of the local stack: what handlers and the browser both talk to (presigned URLs point
 * here). It streams every request to fauxqs unchanged, and adds what fauxqs lacks: CORS for the console
 * and the bucket's ObjectCreated notifications to the intake queue, journaled so a crash loses none.
 */

export interface S3FrontOptions {
  port: number;
  upstreamPort: number;
  /** Only objects of this bucket under `uploads/` notify, as the CDK notification filter does. */
  bucket: string;
  cors: CorsRule;
  journal: NotificationJournal;
  probe: ObjectProbe;
  notify: NotificationSender;
  region: string;
  log: Log;
  /** Serves ranged GETs from the emulator's object files instead of forwarding them (`object-ranges.ts`). */
  ranges?: RangeReader;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

const forwardedRequestHeaders = (
  request: IncomingMessage,
  upstreamHost: string,
): http.OutgoingHttpHeaders => {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    // This server already answered any `Expect: 100-continue`; forwarding it would stall the body.
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'expect') continue;
    headers[name] = value;
  }
  // Path-style host: fauxqs reads a dotted Host as a virtual-hosted bucket name.
  headers.host = upstreamHost;
  // fauxqs parses these two types as SNS/SQS requests whatever the path, so a body sent with one (curl's
  // default for --data-binary is the form type) would never reach S3 as bytes: S3 stores any body as is.
  if (typeof headers['content-type'] === 'string' && isParsedByEmulator(headers['content-type'])) {
    headers['content-type'] = 'application/octet-stream';
  }
  return headers;
};

const EMULATOR_PARSED_TYPES = ['application/x-www-form-urlencoded', 'application/x-amz-json-1.0'];
const isParsedByEmulator = (contentType: string): boolean => {
  const type = contentType.toLowerCase();
  return EMULATOR_PARSED_TYPES.some((parsed) => type.includes(parsed));
};

const responseHeaders = (upstream: IncomingMessage): http.OutgoingHttpHeaders => {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'transfer-encoding') continue;
    headers[name] = value;
  }
  return headers;
};

/** S3's `response-*` query parameters of a GET, which fauxqs ignores: they name the download. */
const RESPONSE_OVERRIDES = {
  'response-content-disposition': 'content-disposition',
  'response-content-type': 'content-type',
  'response-cache-control': 'cache-control',
} as const;

/** The response headers a presigned GET asks S3 to set, as real S3 sets them. */
export const responseOverrides = (method: string, url: string): http.OutgoingHttpHeaders => {
  if (method !== 'GET' && method !== 'HEAD') return {};
  const query = new URL(url, 'http://s3.local').searchParams;
  const headers: http.OutgoingHttpHeaders = {};
  for (const [parameter, header] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = query.get(parameter);
    if (value !== null) headers[header] = value;
  }
  return headers;
};

const s3Error = (response: ServerResponse, status: number, code: string, message: string) => {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
};

/** S3 answers some failed CompleteMultipartUpload calls with 200 and an error document. */
const MAX_INSPECTED_BODY = 64 * 1024;

const singleHeader = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

export const startS3Front = async (options: S3FrontOptions): Promise<RunningServer> => {
  const { log } = options;
  const upstreamHost = `127.0.0.1:${options.upstreamPort}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const settling = new Set<Promise<void>>();

  const notifies = (creation: ObjectCreation | undefined): creation is ObjectCreation =>
    creation !== undefined &&
    creation.bucket === options.bucket &&
    creation.key.startsWith(UPLOAD_NOTIFICATION_PREFIX);

  const sendWithRetry = async (entry: JournalEntry, size: number, eTag: string): Promise<void> => {
    const created = {
      bucket: entry.bucket,
      key: entry.key,
      eventName: entry.eventName,
      size,
      eTag,
      region: options.region,
      sourceIp: entry.sourceIp,
      eventTime: new Date(),
    };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.notify(created);
        return;
      } catch (error) {
        if (attempt >= 4) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  };

  /**
   * After the request: a created object notifies, a rejected request clears its entry, and an unclear
   * outcome (the connection broke) is decided by whether the object exists, as a replay would.
   */
  const settle = async (entry: JournalEntry, outcome: 'created' | 'rejected' | 'unknown') => {
    try {
      if (outcome !== 'rejected') {
        const object = await options.probe(entry.bucket, entry.key);
        if (object) {
          await sendWithRetry(entry, object.size, object.eTag);
          log.info('notified', { event: entry.eventName, key: entry.key, size: object.size });
        } else if (outcome === 'created') {
          throw new Error(`object ${entry.key} is missing right after it was created`);
        }
      }
      await options.journal.clear(entry.id);
    } catch (error) {
      // The entry stays in the journal and is replayed at the next start.
      log.error('notification not sent; it will be replayed at the next start', error, { key: entry.key });
    }
  };

  const track = (work: Promise<void>) => {
    settling.add(work);
    void work.finally(() => settling.delete(work));
  };

  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const origin = singleHeader(request.headers.origin);
    if (method === 'OPTIONS' && origin) {
      const outcome = preflight(
        options.cors,
        origin,
        singleHeader(request.headers['access-control-request-method']),
        singleHeader(request.headers['access-control-request-headers']),
      );
      if (outcome.allowed) {
        response.writeHead(200, outcome.headers).end();
      } else {
        s3Error(response, 403, 'AccessForbidden', 'CORSResponse: This CORS request is not allowed.');
      }
      return;
    }

    if (
      options.ranges &&
      (await options.ranges.serve(request, response, corsResponseHeaders(options.cors, origin, method)))
    ) {
      return;
    }

    const creation = objectCreation({ method, url: request.url ?? '/', headers: request.headers });
    const entry = notifies(creation)
      ? await options.journal.record({
          bucket: creation.bucket,
          key: creation.key,
          eventName: creation.eventName,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        })
      : undefined;

    const upstreamRequest = http.request({
      agent,
      host: '127.0.0.1',
      port: options.upstreamPort,
      method,
      path: request.url,
      headers: forwardedRequestHeaders(request, upstreamHost),
    });
    const upstreamResponse = new Promise<IncomingMessage>((resolve, reject) => {
      upstreamRequest.once('response', resolve);
      upstreamRequest.once('error', reject);
    });

    // The body streams on while the answer is awaited: fauxqs may answer (413) before reading it all.
    const sent = pipeline(request, upstreamRequest).then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      const upstream = await upstreamResponse;
      const status = upstream.statusCode ?? 502;
      const inspected: Buffer[] = [];
      let inspectedBytes = 0;
      if (entry?.eventName === 'ObjectCreated:CompleteMultipartUpload') {
        upstream.on('data', (chunk: Buffer) => {
          if (inspectedBytes < MAX_INSPECTED_BODY) inspected.push(chunk);
          inspectedBytes += chunk.length;
        });
      }
      response.writeHead(status, {
        ...responseHeaders(upstream),
        ...(status < 300 ? responseOverrides(method, request.url ?? '/') : {}),
        ...corsResponseHeaders(options.cors, origin, method),
      });
      await pipeline(upstream, response);
      const sendError = await sent;
      if (sendError && status < 300) log.warn('request body was cut short', { url: request.url });
      if (entry) {
        const failed = status >= 300 || Buffer.concat(inspected).toString('utf8').includes('<Error>');
        track(settle(entry, failed ? 'rejected' : 'created'));
      }
    } catch (error) {
      upstreamRequest.destroy();
      if (entry) track(settle(entry, 'unknown'));
      if (!request.destroyed) {
        log.error('S3 request failed', error, { method, url: request.url });
        s3Error(response, 502, 'ServiceUnavailable', 'The local S3 emulator did not answer.');
      }
    }
  };

  const server = http.createServer((request, response) => {
    forward(request, response).catch((error: unknown) => {
      log.error('S3 front failed', error, { method: request.method, url: request.url });
      s3Error(response, 500, 'InternalError', 'The local S3 front failed.');
    });
  });
  // Large parts from a slow browser must not hit Node's default 5-minute request timeout.
  server.requestTimeout = 30 * 60 * 1000;
  const port = await listen(server, options.port);
  log.info('S3 endpoint listening', { url: `http://localhost:${port}` });

  return {
    url: `http://localhost:${port}`,
    close: async () => {
      await closeServer(server);
      await Promise.allSettled([...settling]);
      agent.destroy();
    },
  };
};
