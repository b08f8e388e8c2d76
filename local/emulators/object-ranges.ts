import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Ranged GETs served from fauxqs's object files. fauxqs answers a ranged GET by reading the whole
 * object into memory and slicing it: for a 200 MB upload that was 200 MB read and allocated on the
 * stack's main thread for each of its 400-odd chunk reads (about 0.2 s of CPU each, and most of the
 * stack's peak memory). Here the object's metadata still comes from fauxqs (a HEAD, which reads no
 * body), and only the requested bytes are read from its file. Anything unusual (several ranges, a range
 * past the end, response overrides, an object file that is not where fauxqs keeps it) is left to fauxqs.
 */

export interface RangeReader {
  /** Answers the request if it is a plain single-range GET of a stored object; false leaves it to fauxqs. */
  serve(
    request: IncomingMessage,
    response: ServerResponse,
    extraHeaders: http.OutgoingHttpHeaders,
  ): Promise<boolean>;
}

/** Characters fauxqs %-encodes in object file names, besides control characters. */
const UNSAFE_IN_FILE_NAMES = new Set(['<', '>', ':', '"', '|', '?', '*', '\\', '%']);

/** Where fauxqs (2.x, file persistence) keeps an object's bytes: the key's path, unsafe characters %-encoded. */
export const fauxqsObjectFile = (storageDir: string, bucket: string, key: string): string => {
  const encoded = Array.from(key, (char) =>
    UNSAFE_IN_FILE_NAMES.has(char) || char.charCodeAt(0) < 0x20
      ? `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`
      : char,
  ).join('');
  return join(storageDir, 'buckets', bucket, 'objects', `${encoded.split('/').join(sep)}.data`);
};

const RANGE = /^bytes=(\d+)-(\d*)$/;
/** Query parameters of a plain GetObject: the SDK's operation marker and a presigned URL's signature. */
const isPlainGetParameter = (name: string) => name === 'x-id' || name.startsWith('X-Amz-');

export interface ObjectRequest {
  bucket: string;
  key: string;
  start: number;
  /** Inclusive, as in the Range header; absent for `bytes=N-`. */
  end?: number;
}

/** The bucket, key and byte range of a path-style single-range GET, or undefined for anything else. */
export const rangedGet = (
  method: string,
  url: string,
  range: string | undefined,
): ObjectRequest | undefined => {
  if (method !== 'GET' || range === undefined) return undefined;
  const bounds = RANGE.exec(range.trim());
  if (!bounds) return undefined;
  const parsed = new URL(url, 'http://s3.local');
  if ([...parsed.searchParams.keys()].some((name) => !isPlainGetParameter(name))) return undefined;
  const [, bucket, ...keyParts] = parsed.pathname.split('/');
  if (!bucket || keyParts.length === 0) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(keyParts.join('/'));
  } catch {
    return undefined;
  }
  if (key === '') return undefined;
  const start = Number(bounds[1]);
  const end = bounds[2] ? Number(bounds[2]) : undefined;
  if (end !== undefined && end < start) return undefined;
  return { bucket, key, start, ...(end !== undefined ? { end } : {}) };
};

const METADATA_HEADERS = ['etag', 'last-modified', 'content-type', 'content-encoding', 'cache-control'];

export const createRangeReader = (options: { storageDir: string; upstreamPort: number }): RangeReader => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const head = (request: IncomingMessage): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          agent,
          host: '127.0.0.1',
          port: options.upstreamPort,
          method: 'HEAD',
          path: request.url,
          headers: { host: `127.0.0.1:${options.upstreamPort}` },
        },
        resolve,
      );
      upstream.once('error', reject);
      upstream.end();
    });

  return {
    serve: async (request, response, extraHeaders) => {
      const wanted = rangedGet(request.method ?? 'GET', request.url ?? '/', request.headers.range);
      if (!wanted) return false;
      const metadata = await head(request);
      metadata.resume();
      const size = Number(metadata.headers['content-length']);
      if (metadata.statusCode !== 200 || !Number.isSafeInteger(size) || wanted.start >= size) return false;
      const file = fauxqsObjectFile(options.storageDir, wanted.bucket, wanted.key);
      const stored = await stat(file).catch(() => undefined);
      if (stored?.size !== size) return false;

      const end = Math.min(wanted.end ?? size - 1, size - 1);
      const headers: http.OutgoingHttpHeaders = { ...extraHeaders };
      for (const name of METADATA_HEADERS) {
        const value = metadata.headers[name];
        if (value !== undefined) headers[name] = value;
      }
      response.writeHead(206, {
        ...headers,
        'accept-ranges': 'bytes',
        'content-range': `bytes ${wanted.start}-${end}/${size}`,
        'content-length': end - wanted.start + 1,
      });
      await pipeline(createReadStream(file, { start: wanted.start, end }), response);
      return true;
    },
  };
};
