import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';

/**
 * What an HTTP API ($default stage, payload format 2.0) does around a Lambda integration, as pure
 * functions: the event it builds from a request, and the response it makes of the function's result.
 */

export interface IncomingHttpRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  sourceIp: string;
  now: Date;
}

/** HTTP APIs hand text bodies through as is and base64-encode the rest. */
const TEXT_CONTENT =
  /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript|csv)|[^;]*\+(json|xml))/i;

export const isTextContent = (contentType: string | undefined): boolean =>
  contentType !== undefined && TEXT_CONTENT.test(contentType.trim());

const CLF_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time`, e.g. `12/Mar/2020:19:03:58 +0000`. */
const clfTime = (now: Date): string => {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(now.getUTCDate())}/${CLF_MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`
  );
};

export const toApiGatewayEvent = (request: IncomingHttpRequest): APIGatewayProxyEventV2 => {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.url.slice(queryStart + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(',') : value;
    // Payload 2.0 moves cookies out of the headers into their own list.
    if (lower === 'cookie') cookies = joined.split(/;\s*/).filter(Boolean);
    else headers[lower] = joined;
  }

  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const existing = queryStringParameters[name];
    queryStringParameters[name] = existing === undefined ? value : `${existing},${value}`;
  }

  const method = request.method.toUpperCase();
  const hasBody = request.body.length > 0;
  const text = isTextContent(headers['content-type']);
  const host = headers.host ?? 'localhost';

  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(request.now),
      timeEpoch: request.now.getTime(),
    },
    ...(hasBody ? { body: text ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
};

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

const structuredResultSchema = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  cookies: z.array(z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

const jsonResponse = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify(body)),
});

/** API Gateway's own answer when the integration fails or answers something it cannot use. */
export const integrationError = (): HttpResponse => jsonResponse(500, { message: 'Internal Server Error' });

/**
 * The HTTP response for a function result. As with payload 2.0, a result without `statusCode` is taken
 * as a 200 JSON body.
 */
export const fromApiGatewayResult = (result: unknown): HttpResponse => {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const parsed = structuredResultSchema.safeParse(result);
    if (!parsed.success) return integrationError();
    const { statusCode, headers = {}, cookies = [], body = '', isBase64Encoded = false } = parsed.data;
    return {
      statusCode,
      headers: Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
      ),
      cookies,
      body: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8'),
    };
  }
  if (result === undefined) return integrationError();
  if (typeof result === 'string') return { ...jsonResponse(200, ''), body: Buffer.from(result) };
  return jsonResponse(200, result);
};
