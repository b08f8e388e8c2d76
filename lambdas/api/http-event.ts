import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiRequest, ApiResponse } from './api-types';

/** API Gateway HTTP API (payload 2.0) event → the plain request the core understands. */
export const toApiRequest = (event: APIGatewayProxyEventV2): ApiRequest => {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body =
    event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    headers,
    query: { ...(event.queryStringParameters ?? {}) },
    ...(body === undefined ? {} : { body }),
    requestId: event.requestContext.requestId,
  };
};

/** The core's response → the structured result API Gateway sends back. */
export const toStructuredResult = (response: ApiResponse): APIGatewayProxyStructuredResultV2 => ({
  statusCode: response.statusCode,
  headers: response.headers,
  body: response.body,
  isBase64Encoded: false,
});
