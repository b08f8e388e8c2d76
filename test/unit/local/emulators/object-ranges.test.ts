import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRangeReader, fauxqsObjectFile, rangedGet } from '../../../../local/emulators/object-ranges';
import { closeServer, listen } from '../../../../local/servers/servers';

describe('rangedGet', () => {
  it('reads bucket, key and range of a path-style GetObject', () => {
    // Act / Assess
    expect(rangedGet('GET', '/bucket/work/import%201/data.csv?x-id=GetObject', 'bytes=10-19')).toEqual({
      bucket: 'bucket',
      key: 'work/import 1/data.csv',
      start: 10,
      end: 19,
    });
    expect(rangedGet('GET', '/bucket/k?X-Amz-Signature=abc', 'bytes=5-')).toEqual({
      bucket: 'bucket',
      key: 'k',
      start: 5,
    });
  });

  it.each([
    ['a HEAD', 'HEAD', '/bucket/k', 'bytes=0-1'],
    ['no range', 'GET', '/bucket/k', undefined],
    ['several ranges', 'GET', '/bucket/k', 'bytes=0-1,5-6'],
    ['a suffix range', 'GET', '/bucket/k', 'bytes=-100'],
    ['response overrides', 'GET', '/bucket/k?response-content-disposition=x', 'bytes=0-1'],
    ['no key', 'GET', '/bucket', 'bytes=0-1'],
  ])('leaves %s to the emulator', (_case, method, url, range) => {
    // Act / Assess
    expect(rangedGet(method, url, range)).toBeUndefined();
  });
});

describe('fauxqsObjectFile', () => {
  it('puts the key under the bucket with unsafe characters %-encoded, as fauxqs does', () => {
    // Act / Assess
    expect(fauxqsObjectFile('/data/s3', 'b', 'uploads/id/a:b?.csv')).toBe(
      join('/data/s3', 'buckets', 'b', 'objects', 'uploads', 'id', 'a%3ab%3f.csv.data'),
    );
  });
});

describe('createRangeReader', () => {
  const BODY = 'abcdefghijklmnopqrstuvwxyz';
  let storageDir: string;
  let upstream: Server;
  let front: Server;
  let frontPort: number;
  /** What the emulator's HEAD answers: a stored object's metadata, or 404. */
  let stored: { size: number } | undefined;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'object-ranges-'));
    const file = fauxqsObjectFile(storageDir, 'bucket', 'work/data.csv');
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, BODY);
    upstream = http.createServer((request, response) => {
      if (request.method !== 'HEAD' || !stored) return void response.writeHead(404).end();
      response
        .writeHead(200, {
          'content-length': stored.size,
          etag: '"abc123"',
          'content-type': 'text/csv',
          'last-modified': 'Sun, 22 Nov 2026 10:00:00 GMT',
        })
        .end();
    });
    const upstreamPort = await listen(upstream, 0);
    const reader = createRangeReader({ storageDir, upstreamPort });
    front = http.createServer(async (request, response) => {
      if (!(await reader.serve(request, response, { 'x-extra': 'yes' }))) response.writeHead(599).end();
    });
    frontPort = await listen(front, 0);
  });

  afterAll(async () => {
    await Promise.all([closeServer(upstream), closeServer(front)]);
    await rm(storageDir, { recursive: true, force: true });
  });

  const get = (path: string, range: string) =>
    fetch(`http://127.0.0.1:${frontPort}${path}`, { headers: { range } });

  it('answers 206 with the requested bytes read from the object file and the metadata from the emulator', async () => {
    // Prepare
    stored = { size: BODY.length };

    // Act
    const response = await get('/bucket/work/data.csv?x-id=GetObject', 'bytes=2-5');

    // Assess
    expect(response.status).toBe(206);
    expect(await response.text()).toBe('cdef');
    expect(response.headers.get('content-range')).toBe(`bytes 2-5/${BODY.length}`);
    expect(response.headers.get('etag')).toBe('"abc123"');
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(response.headers.get('x-extra')).toBe('yes');
  });

  it('cuts a range that runs past the end at the last byte', async () => {
    // Prepare
    stored = { size: BODY.length };

    // Act
    const response = await get('/bucket/work/data.csv', 'bytes=20-999');

    // Assess
    expect(response.status).toBe(206);
    expect(await response.text()).toBe('uvwxyz');
  });

  it.each([
    ['the emulator does not know the object', undefined, '/bucket/work/data.csv'],
    ['the file is not the size the emulator reports', { size: 999 }, '/bucket/work/data.csv'],
    ['there is no such file', { size: BODY.length }, '/bucket/work/other.csv'],
  ])('leaves the request to the emulator when %s', async (_case, object, path) => {
    // Prepare
    stored = object;

    // Act
    const response = await get(path, 'bytes=0-3');

    // Assess
    expect(response.status).toBe(599);
  });
});
