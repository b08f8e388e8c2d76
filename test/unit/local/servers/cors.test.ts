import { consoleCorsRule, corsResponseHeaders, preflight } from '../../../../local/servers/cors';

describe('S3 CORS for the console', () => {
  const rule = consoleCorsRule(3000);

  it('allows the console origin to PUT with any headers and exposes ETag', () => {
    // Act
    const outcome = preflight(rule, 'http://localhost:3000', 'PUT', 'content-type,x-amz-date');

    // Assess
    expect(outcome).toEqual({
      allowed: true,
      headers: expect.objectContaining({
        'access-control-allow-origin': 'http://localhost:3000',
        'access-control-allow-methods': 'PUT, GET, HEAD',
        'access-control-allow-headers': 'content-type,x-amz-date',
        'access-control-expose-headers': 'ETag',
      }),
    });
  });

  it('refuses other origins and methods outside the rule', () => {
    expect(preflight(rule, 'http://localhost:3001', 'PUT', undefined)).toEqual({ allowed: false });
    expect(preflight(rule, 'http://localhost:3000', 'PATCH', undefined)).toEqual({ allowed: false });
    // Nothing in the console creates, completes or aborts uploads on S3 itself: the API does.
    expect(preflight(rule, 'http://localhost:3000', 'POST', undefined)).toEqual({ allowed: false });
    expect(preflight(rule, 'http://localhost:3000', 'DELETE', undefined)).toEqual({ allowed: false });
    expect(preflight(rule, undefined, 'PUT', undefined)).toEqual({ allowed: false });
  });

  it('adds CORS headers to actual responses for the console only', () => {
    expect(corsResponseHeaders(rule, 'http://127.0.0.1:3000', 'PUT')).toMatchObject({
      'access-control-allow-origin': 'http://127.0.0.1:3000',
      'access-control-expose-headers': 'ETag',
    });
    expect(corsResponseHeaders(rule, 'http://example.com', 'PUT')).toEqual({});
  });
});
