import {
  fromApiGatewayResult,
  isTextContent,
  toApiGatewayEvent,
} from '../../../../local/servers/api-gateway';

const NOW = new Date('2026-03-12T19:03:58.000Z');

describe('HTTP API event (payload 2.0)', () => {
  it('shapes a JSON request as API Gateway does', () => {
    // Act
    const event = toApiGatewayEvent({
      method: 'post',
      url: '/api/imports?limit=5&tag=a&tag=b&q=a%20b',
      headers: {
        Host: 'localhost:3000',
        'Content-Type': 'application/json',
        authorization: 'Bearer t',
        cookie: 'a=1; b=2',
        'user-agent': 'jest',
      },
      body: Buffer.from('{"fileName":"a.csv"}'),
      sourceIp: '127.0.0.1',
      now: NOW,
    });

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/imports',
      rawQueryString: 'limit=5&tag=a&tag=b&q=a%20b',
      cookies: ['a=1', 'b=2'],
      headers: {
        host: 'localhost:3000',
        'content-type': 'application/json',
        authorization: 'Bearer t',
        'user-agent': 'jest',
      },
      queryStringParameters: { limit: '5', tag: 'a,b', q: 'a b' },
      requestContext: {
        http: { method: 'POST', path: '/api/imports', sourceIp: '127.0.0.1', userAgent: 'jest' },
        stage: '$default',
        time: '12/Mar/2026:19:03:58 +0000',
        timeEpoch: NOW.getTime(),
      },
      body: '{"fileName":"a.csv"}',
      isBase64Encoded: false,
    });
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('base64-encodes a binary body and leaves out what a bodiless GET lacks', () => {
    // Act
    const binary = toApiGatewayEvent({
      method: 'PUT',
      url: '/api/x',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0x00]),
      sourceIp: '::1',
      now: NOW,
    });
    const get = toApiGatewayEvent({
      method: 'GET',
      url: '/api/health',
      headers: {},
      body: Buffer.alloc(0),
      sourceIp: '::1',
      now: NOW,
    });

    // Assess
    expect(binary.body).toBe('/wA=');
    expect(binary.isBase64Encoded).toBe(true);
    expect(get).not.toHaveProperty('body');
    expect(get).not.toHaveProperty('queryStringParameters');
    expect(get.isBase64Encoded).toBe(false);
  });

  it('knows which content types are text', () => {
    expect(isTextContent('application/json; charset=utf-8')).toBe(true);
    expect(isTextContent('text/csv')).toBe(true);
    expect(isTextContent('application/problem+json')).toBe(true);
    expect(isTextContent('image/png')).toBe(false);
    expect(isTextContent(undefined)).toBe(false);
  });
});

describe('HTTP API response', () => {
  it('passes a structured result through, decoding base64 and moving cookies', () => {
    // Act
    const response = fromApiGatewayResult({
      statusCode: 201,
      headers: { 'Content-Type': 'text/csv', 'X-Count': 3 },
      cookies: ['s=1'],
      body: Buffer.from('a,b\r\n').toString('base64'),
      isBase64Encoded: true,
    });

    // Assess
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/csv', 'x-count': '3' },
      cookies: ['s=1'],
      body: Buffer.from('a,b\r\n'),
    });
  });

  it('takes a result without statusCode as a 200 JSON body', () => {
    // Act
    const response = fromApiGatewayResult({ ok: true });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body.toString()).toBe('{"ok":true}');
  });

  it('answers 500 for a result API Gateway cannot use', () => {
    expect(fromApiGatewayResult({ statusCode: 'two hundred' }).statusCode).toBe(500);
    expect(fromApiGatewayResult(undefined).statusCode).toBe(500);
  });
});
