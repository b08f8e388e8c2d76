import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { DEFAULT_ACCOUNT } from '../../lambdas/shared/account';
import { accountObjectKey, uploadKey } from '../../lambdas/shared/object-keys';
import { LOCAL_CREDENTIALS } from '../../local/clients';
import { LOCAL_BUCKET } from '../../local/resources';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Poison work on the real local stack: a chunk whose data changed under it fails on every receive, reaches
 * the chunks dead-letter queue after the queue's max receives and is given up on its last one, so its task
 * still ends with SYSTEM rows and a reason; redriving it is harmless. And the watchdog ends tasks left
 * non-final: an upload never completed, and an import whose chunks nobody processes.
 */

jest.setTimeout(300_000);

const run = promisify(execFile);
const HEADER = 'email,first_name,last_name,role,phone,department,start_date';
const row = (tag: string, n: number) => `p${n}-${tag}@example.com,First${n},Last${n},member,,Ops,`;
const csvOf = (lines: readonly string[]) => [HEADER, ...lines].map((line) => `${line}\r\n`).join('');

/** Objects straight on the emulator (not through the S3 front, which would announce an upload). */
const emulatorS3 = (stack: LocalStack) =>
  new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${stack.ports.fauxqs}`,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });

/** Polls `read` until it returns `wanted` (or 30 s pass) and returns what it read last. */
const eventually = async <T>(read: () => Promise<T>, wanted: T): Promise<T> => {
  const deadline = Date.now() + 30_000;
  let last = await read();
  while (last !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    last = await read();
  }
  return last;
};

const exceptionRows = (text: string): string[][] =>
  parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true });

describe('a chunk that fails every time', () => {
  let stack: LocalStack;
  let admin: string;
  const env = {
    CHUNK_MAX_ROWS: '2',
    IMPORTS_VISIBILITY_TIMEOUT: '2',
    // The watchdog stays out of this test: the chunk's own last receive must end the task.
    IMPORTS_WATCHDOG_INTERVAL_SECONDS: '3600',
  };

  beforeAll(async () => {
    // Chunks wait unconsumed until the data file has been changed under the last one.
    stack = await LocalStack.start({ env: { ...env, IMPORTS_CHUNKS_CONCURRENCY: '0' } });
    admin = await stack.token('admin');
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('reaches the DLQ after the max receives, its rows become SYSTEM errors, and the task ends with a reason', async () => {
    // Prepare
    const tag = uniqueTag();
    const lines = [1, 2, 3, 4, 5].map((n) => row(tag, n));
    const content = csvOf(lines);
    const importId = await stack.upload(admin, { templateId: 'users', fileName: 'poison.csv', content });
    await stack.waitForTask(admin, importId, (task) => task.status === 'PROCESSING');
    // Chunks: rows 2–3, 4–5, 6. The stored file loses row 6: the last chunk's range no longer exists.
    const lastChunkStart = Buffer.byteLength(csvOf(lines.slice(0, 4)));
    const s3 = emulatorS3(stack);
    await s3.send(
      new PutObjectCommand({
        Bucket: LOCAL_BUCKET,
        Key: accountObjectKey(DEFAULT_ACCOUNT, uploadKey(importId, 'poison.csv')),
        Body: Buffer.from(content).subarray(0, lastChunkStart),
      }),
    );
    s3.destroy();

    // Act
    await stack.restart({ ...env, IMPORTS_CHUNKS_CONCURRENCY: '2' });
    const task = await stack.waitForTask(admin, importId);

    // Assess
    expect(task).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      totalRows: 5,
      processedRows: 5,
      successCount: 4,
      errorCount: 1,
      statusReason:
        '1 of 5 rows failed: see the exceptions report; 1 row was not imported because part of the file could not be processed: import the exceptions file again',
    });
    // SQS moves the message once the failed last receive's visibility timeout is over.
    expect(await eventually(() => stack.messageCount('chunks', true), 1)).toBe(1);
    const receives = [
      ...stack.logs().matchAll(/queue=chunks messages=1 deleted=0 retried=1 receives=(\d)/g),
    ].map((match) => match[1]);
    expect(receives).toEqual(['1', '2', '3', '4', '5']);
    const exceptions = exceptionRows(await stack.download(admin, importId, 'exceptions'));
    expect(exceptions.slice(1)).toEqual([
      [
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '6',
        'SYSTEM',
        "Not imported: this row's part of the file failed 5 times (the file changed after it was checked). Import it again from the exceptions file.",
      ],
    ]);
    const errors = await stack.get(`/api/imports/${importId}/errors`, admin);
    expect(errors.body).toMatchObject({ items: [{ rowNumber: 6, errorType: 'SYSTEM' }] });
  });

  it('redrives the dead letter harmlessly: the task is final, so the message is dropped', async () => {
    // Prepare
    expect(await stack.messageCount('chunks', true)).toBe(1);
    const before = stack.logs().length;

    // Act
    const { stdout } = await run('npx', ['tsx', 'scripts/redrive.ts', 'chunks'], {
      env: { ...process.env, IMPORTS_PORT: String(stack.ports.api) },
    });
    const deadline = Date.now() + 30_000;
    while (
      !stack.logs().slice(before).includes('Task already final; chunk message dropped') &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // Assess
    expect(stdout).toContain('moved 1 message(s) from bulk-imports-chunks-dlq to bulk-imports-chunks');
    expect(stack.logs().slice(before)).toContain('Task already final; chunk message dropped');
    expect(await eventually(() => stack.messageCount('chunks', true), 0)).toBe(0);
    expect(await eventually(() => stack.messageCount('chunks'), 0)).toBe(0);
  });
});

describe('the watchdog', () => {
  let stack: LocalStack;
  let admin: string;

  beforeAll(async () => {
    stack = await LocalStack.start({
      env: {
        IMPORTS_WATCHDOG_INTERVAL_SECONDS: '1',
        WATCHDOG_PENDING_TIMEOUT_SECONDS: '10',
        WATCHDOG_PROCESSING_TIMEOUT_SECONDS: '3',
        // Nobody processes chunks: only the watchdog can end an import that reaches PROCESSING.
        IMPORTS_CHUNKS_CONCURRENCY: '0',
      },
    });
    admin = await stack.token('admin');
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('ends an upload never completed, with a reason', async () => {
    // Prepare
    const created = await stack.post(
      '/api/imports',
      { templateId: 'users', fileName: 'never.csv', fileSize: 100 },
      admin,
    );
    const { importId } = (created.body as { import: { importId: string } }).import;

    // Act
    const task = await stack.waitForTask(admin, importId, undefined, 60_000);

    // Assess
    expect(task).toMatchObject({
      status: 'FAILED',
      statusReason: 'The upload was not completed within 10 seconds: upload the file again',
    });
  });

  it('gives up the chunks of an import nobody processes, with exact counts and the rows in the report', async () => {
    // Prepare
    const tag = uniqueTag();
    const content = csvOf([row(tag, 1), row(tag, 2), '', row(tag, 3)]);

    // Act
    const task = await stack.importFile(admin, { templateId: 'users', fileName: 'stuck.csv', content });

    // Assess
    expect(task).toMatchObject({
      status: 'FAILED',
      totalRows: 3,
      processedRows: 3,
      successCount: 0,
      errorCount: 3,
    });
    expect(task.statusReason).toContain(
      '3 rows were not imported because part of the file could not be processed',
    );
    const exceptions = exceptionRows(await stack.download(admin, task.importId, 'exceptions'));
    expect(exceptions.slice(1).map((line) => [line[0], line[7], line[8]])).toEqual([
      [`p1-${tag}@example.com`, '2', 'SYSTEM'],
      [`p2-${tag}@example.com`, '3', 'SYSTEM'],
      [`p3-${tag}@example.com`, '5', 'SYSTEM'],
    ]);
    expect(exceptions[1]?.[9]).toBe(
      "Not imported: this row's part of the file was not finished within 3 seconds. Import it again from the exceptions file.",
    );
  });
});
