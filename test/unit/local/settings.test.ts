import { dataPaths, derivePorts, loadLocalSettings } from '../../../local/settings';

describe('local stack settings', () => {
  it('derives every internal port from IMPORTS_PORT and keeps +4 for the SES emulator', () => {
    // Act
    const ports = derivePorts(4000, 2600);

    // Assess
    expect(ports).toEqual({ api: 4000, s3: 4001, fauxqs: 4002, dynamo: 4003, ses: 4004, smtp: 2600 });
  });

  it('defaults to port 3000, .data under the working directory and SMTP on 2525', () => {
    // Act
    const settings = loadLocalSettings({}, '/repo');

    // Assess
    expect(settings.ports.api).toBe(3000);
    expect(settings.ports.s3).toBe(3001);
    expect(settings.ports.smtp).toBe(2525);
    expect(settings.paths.root).toBe('/repo/.data');
    expect(settings.visibilityTimeoutSeconds).toBe(30);
    expect(settings.concurrency).toEqual({ intake: 1, chunks: 2, finalize: 1 });
  });

  it('keeps an absolute data dir as given and lays out one folder per kind of state', () => {
    // Act
    const paths = dataPaths('/tmp/stack-a', '/repo');

    // Assess
    expect(paths).toEqual({
      root: '/tmp/stack-a',
      sqs: '/tmp/stack-a/sqs',
      s3: '/tmp/stack-a/s3',
      dynamo: '/tmp/stack-a/dynamodb',
      secrets: '/tmp/stack-a/secrets',
      notifications: '/tmp/stack-a/notifications',
    });
  });

  it('names every bad variable and its value in one error', () => {
    // Act
    const load = () =>
      loadLocalSettings(
        { IMPORTS_PORT: 'abc', IMPORTS_SMTP_PORT: '80', IMPORTS_CHUNKS_CONCURRENCY: '-1' },
        '/',
      );

    // Assess
    expect(load).toThrow(/IMPORTS_PORT="abc" must be a number/);
    expect(load).toThrow(/IMPORTS_SMTP_PORT="80" must be between 1024 and 65535/);
    expect(load).toThrow(/IMPORTS_CHUNKS_CONCURRENCY="-1" must be 0/);
  });

  it('refuses a base port without room for the derived ports', () => {
    expect(() => loadLocalSettings({ IMPORTS_PORT: '65533' }, '/')).toThrow(/must leave room/);
  });

  it('refuses an SMTP port inside the derived range', () => {
    expect(() => loadLocalSettings({ IMPORTS_PORT: '4000', IMPORTS_SMTP_PORT: '4002' }, '/')).toThrow(
      /IMPORTS_SMTP_PORT=4002 collides/,
    );
  });

  it('accepts concurrency 0 to leave a queue unconsumed', () => {
    // Act
    const settings = loadLocalSettings({ IMPORTS_CHUNKS_CONCURRENCY: '0' }, '/');

    // Assess
    expect(settings.concurrency.chunks).toBe(0);
  });
});
