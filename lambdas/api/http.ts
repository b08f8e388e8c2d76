import type { z } from 'zod';
import { AppError, BadRequestError, ErrorCode } from '../shared/errors';
import type { ApiLogger, ApiRequest, ApiResponse } from './api-types';

/** Responses are per-user and change as imports run: nothing may be cached on the way. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** A JSON response with the headers every API answer carries. */
export const jsonResponse = (statusCode: number, body: unknown): ApiResponse => ({
  statusCode,
  headers: { ...COMMON_HEADERS, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** An answer with nothing to say (a DELETE done). */
export const noContentResponse = (): ApiResponse => ({
  statusCode: 204,
  headers: { ...COMMON_HEADERS },
  body: '',
});

/** A CSV download with the given file name. */
export const csvResponse = (fileName: string, csv: string): ApiResponse => ({
  statusCode: 200,
  headers: {
    ...COMMON_HEADERS,
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`,
  },
  body: csv,
});

/** "field: problem; other.field: problem" from a zod error, so a caller can tell what to fix. */
export const describeIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');

/** Parses the request body as JSON against `schema`, or throws a 400 that names each problem. */
export const parseBody = <Schema extends z.ZodType>(
  request: ApiRequest,
  schema: Schema,
): z.output<Schema> => {
  if (request.body === undefined || request.body.trim() === '') {
    throw new BadRequestError('Request body is required (a JSON object).');
  }
  let json: unknown;
  try {
    json = JSON.parse(request.body);
  } catch (error) {
    throw new BadRequestError('Request body is not valid JSON.', { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new BadRequestError(`Invalid request body: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

/** Parses query string parameters against `schema`, or throws a 400 that names each problem. */
export const parseQuery = <Schema extends z.ZodType>(
  request: ApiRequest,
  schema: Schema,
): z.output<Schema> => {
  const parsed = schema.safeParse(request.query);
  if (!parsed.success) throw new BadRequestError(`Invalid query: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

const describeCause = (error: AppError): string | undefined =>
  error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;

/**
 * The one mapping from errors to HTTP answers. Errors raised on purpose carry their code, status and a
 * message safe to show; anything else is a 500 with a plain message, its details only in the log.
 */
export const toErrorResponse = (error: unknown, request: ApiRequest, logger: ApiLogger): ApiResponse => {
  const where = { method: request.method, path: request.path, requestId: request.requestId };
  if (error instanceof AppError) {
    logger.info('Request refused', {
      ...where,
      status: error.httpStatus,
      code: error.code,
      reason: error.message,
      cause: describeCause(error),
    });
    return jsonResponse(error.httpStatus, { error: { code: error.code, message: error.message } });
  }
  logger.error('Request failed unexpectedly', { ...where, error });
  const reference = request.requestId ? ` (request id ${request.requestId})` : '';
  return jsonResponse(500, {
    error: {
      code: ErrorCode.INTERNAL,
      message: `Something went wrong on our side${reference}. Try again; if it keeps failing, contact support.`,
    },
  });
};
