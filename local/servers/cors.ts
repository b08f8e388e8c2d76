/**
 * The bucket's CORS rule as the console needs it (DESIGN §6, TRAPS: the browser makes every S3 call of a
 * multipart upload itself and reads each part's ETag), evaluated the way S3 evaluates a CORS rule.
 */

export interface CorsRule {
  allowedOrigins: readonly string[];
  allowedMethods: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds: number;
}

export const consoleCorsRule = (apiPort: number): CorsRule => ({
  allowedOrigins: [`http://localhost:${apiPort}`, `http://127.0.0.1:${apiPort}`],
  // As the CDK bucket's CORS rule: the browser PUTs parts and downloads; the API does the rest.
  allowedMethods: ['PUT', 'GET', 'HEAD'],
  exposeHeaders: ['ETag'],
  maxAgeSeconds: 3000,
});

export type PreflightOutcome = { allowed: true; headers: Record<string, string> } | { allowed: false };

/** Answer to an OPTIONS preflight: S3 echoes the requested headers when every header is allowed. */
export const preflight = (
  rule: CorsRule,
  origin: string | undefined,
  requestMethod: string | undefined,
  requestHeaders: string | undefined,
): PreflightOutcome => {
  if (!origin || !rule.allowedOrigins.includes(origin)) return { allowed: false };
  if (!requestMethod || !rule.allowedMethods.includes(requestMethod.toUpperCase())) return { allowed: false };
  return {
    allowed: true,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': rule.allowedMethods.join(', '),
      ...(requestHeaders ? { 'access-control-allow-headers': requestHeaders } : {}),
      'access-control-expose-headers': rule.exposeHeaders.join(', '),
      'access-control-max-age': String(rule.maxAgeSeconds),
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    },
  };
};

/** Headers added to an actual (non-preflight) response for an allowed origin; none otherwise. */
export const corsResponseHeaders = (
  rule: CorsRule,
  origin: string | undefined,
  method: string,
): Record<string, string> => {
  if (!origin || !rule.allowedOrigins.includes(origin)) return {};
  if (!rule.allowedMethods.includes(method.toUpperCase())) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': rule.exposeHeaders.join(', '),
    vary: 'Origin',
  };
};
