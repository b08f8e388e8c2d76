import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { responseOverrides, startS3Front } from '../../../../local/emulators/s3-front';
import type { CreatedObject } from '../../../../local/events/s3-event';
import { NotificationJournal } from '../../../../local/journals/notification-journal';
import type { Log } from '../../../../local/log';
import { consoleCorsRule } from '../../../../local/servers/cors';
import { listen, type RunningServer } from '../../../../local/servers/servers';

const quietLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const ORIGIN = 'http://localhost:3000';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  bodySha: string;
  pendingAtArrival: number;
  contentType: string | undefined;
}

describe('S3 front', () => {
  let dir: string;
  let journal: NotificationJournal;
  let upstream: http.Server;
  let front: RunningServer;
  let seen: Seen[];
  let sent: CreatedObject[];
  let reply: (request: http.IncomingMessage, response: http.ServerResponse) => void;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-front-'));
    journal = new NotificationJournal(dir);
    seen = [];
    sent = [];
    reply = (_request, response) => {
      response.writeHead(200, { etag: '"etag-1"' });
      response.end();
    };
    upstream = http.createServer(async (request, response) => {
      const hash = createHash('sha256');
      for await (const chunk of request) hash.update(chunk as Buffer);
      seen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        host: request.headers.host,
        contentType: request.headers['content-type'],
        bodySha: hash.digest('hex'),
        pendingAtArrival: (await journal.pending(quietLog)).length,
      });
      reply(request, response);
    });
    const upstreamPort = await listen(upstream, 0);
    front = await startS3Front({
      port: 0,
      upstreamPort,
      bucket: 'bucket',
      cors: consoleCorsRule(3000),
      journal,
      probe: async () => ({ size: 11, eTag: '"etag-1"' }),
      notify: async (object) => {
        sent.push(object);
      },
      region: 'us-east-1',
      log: quietLog,
    });
  });

  afterEach(async () => {
    await front.close();
    await new Promise((resolve) => upstream.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('journals an upload before forwarding it, then notifies and clears the journal', async () => {
    // Act
    const response = await fetch(`${front.url}/bucket/uploads/id-1/users.csv`, {
      method: 'PUT',
      headers: { origin: ORIGIN },
      body: 'hello world',
    });
    await front.close();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"etag-1"');
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(seen).toEqual([
      expect.objectContaining({ method: 'PUT', url: '/bucket/uploads/id-1/users.csv', pendingAtArrival: 1 }),
    ]);
    expect(seen[0]?.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sent).toEqual([
      expect.objectContaining({ key: 'uploads/id-1/users.csv', eventName: 'ObjectCreated:Put', size: 11 }),
    ]);
    expect(await journal.pending(quietLog)).toEqual([]);
  });

  it('streams a large body through unchanged', async () => {
    // Prepare
    const body = Buffer.alloc(6 * 1024 * 1024, 'x');

    // Act
    const response = await fetch(`${front.url}/bucket/uploads/id-1/big.csv?partNumber=1&uploadId=u1`, {
      method: 'PUT',
      body,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(seen[0]?.bodySha).toBe(createHash('sha256').update(body).digest('hex'));
    expect(seen[0]?.pendingAtArrival).toBe(0);
  });

  it.each(['application/x-www-form-urlencoded', 'application/x-amz-json-1.0; charset=utf-8'])(
    'passes a body sent as %s to S3 as bytes (curl --data-binary sends a form type)',
    async (contentType) => {
      // Prepare
      const body = 'email,first_name\r\na&b=c@example.com,Ada\r\n';

      // Act
      const response = await fetch(`${front.url}/bucket/uploads/id-1/users.csv?partNumber=1&uploadId=u1`, {
        method: 'PUT',
        headers: { 'content-type': contentType },
        body,
      });

      // Assess
      expect(response.status).toBe(200);
      expect(seen[0]).toMatchObject({
        contentType: 'application/octet-stream',
        bodySha: createHash('sha256').update(body).digest('hex'),
      });
    },
  );

  it('keeps any other content type as sent', async () => {
    // Act
    await fetch(`${front.url}/bucket/uploads/id-1/users.csv`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: 'a',
    });

    // Assess
    expect(seen[0]?.contentType).toBe('text/csv');
  });

  it('notifies a completed multipart upload', async () => {
    // Prepare
    reply = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end('<CompleteMultipartUploadResult><ETag>"e-2"</ETag></CompleteMultipartUploadResult>');
    };

    // Act
    const response = await fetch(`${front.url}/bucket/uploads/id-2/users.csv?uploadId=u1`, {
      method: 'POST',
      body: '<CompleteMultipartUpload/>',
    });
    await response.text();
    await front.close();

    // Assess
    expect(sent.map((object) => object.eventName)).toEqual(['ObjectCreated:CompleteMultipartUpload']);
  });

  it('sends nothing for a rejected request, or a completion that failed inside a 200', async () => {
    // Prepare
    reply = (request, response) => {
      if (request.method === 'PUT') {
        response.writeHead(403, { 'content-type': 'application/xml' });
        response.end('<Error><Code>AccessDenied</Code></Error>');
      } else {
        response.writeHead(200, { 'content-type': 'application/xml' });
        response.end('<Error><Code>InternalError</Code></Error>');
      }
    };

    // Act
    const put = await fetch(`${front.url}/bucket/uploads/id-3/a.csv`, { method: 'PUT', body: 'x' });
    const complete = await fetch(`${front.url}/bucket/uploads/id-3/a.csv?uploadId=u`, {
      method: 'POST',
      body: 'x',
    });
    await Promise.all([put.text(), complete.text()]);
    await front.close();

    // Assess
    expect(put.status).toBe(403);
    expect(sent).toEqual([]);
    expect(await journal.pending(quietLog)).toEqual([]);
  });

  it('sets the download name a presigned GET asks for, as S3 does', async () => {
    // Prepare
    const disposition = `attachment; filename="users-exceptions.csv"`;
    const query = `response-content-disposition=${encodeURIComponent(disposition)}&X-Amz-Expires=900`;

    // Act
    const response = await fetch(`${front.url}/bucket/reports/1/exceptions.csv?${query}`);
    await response.arrayBuffer();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(disposition);
    expect(responseOverrides('PUT', `/bucket/k?${query}`)).toEqual({});
  });

  it('does not notify objects outside uploads/ or of another bucket', async () => {
    // Act
    await fetch(`${front.url}/bucket/reports/id-1/results.csv`, { method: 'PUT', body: 'x' });
    await fetch(`${front.url}/other/uploads/id-1/a.csv`, { method: 'PUT', body: 'x' });
    await front.close();

    // Assess
    expect(seen.map((request) => request.pendingAtArrival)).toEqual([0, 0]);
    expect(sent).toEqual([]);
  });
});
