import { CompleteMultipartUploadCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { DEFAULT_ACCOUNT } from '../../lambdas/shared/account';
import { chunkMessageSchema, type Task } from '../../lambdas/shared/model';
import { accountObjectKey, uploadKey } from '../../lambdas/shared/object-keys';
import { LOCAL_CREDENTIALS } from '../../local/clients';
import { NotificationJournal } from '../../local/journals/notification-journal';
import { LOCAL_BUCKET } from '../../local/resources';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Multi-chunk imports under the failures the pipeline must absorb: records spanning lines across chunk
 * boundaries, duplicates across chunks, chunk messages delivered more than once, the stack killed with
 * `kill -9` mid-import, and an upload whose notification was lost in a crash.
 */

jest.setTimeout(300_000);

const USERS_HEADER = 'email,first_name,last_name,role,phone,department,start_date';

/** Small chunks so a few dozen rows make many of them; short visibility so a killed stack recovers fast. */
const STACK_ENV = {
  CHUNK_MAX_ROWS: '7',
  CHUNK_MAX_BYTES: '300',
  IMPORTS_VISIBILITY_TIMEOUT: '5',
  // Every chunk on the queue at once, so the tests can hold all of them (windows: chunk-window tests).
  CHUNK_WINDOW: '1000',
};

let stack: LocalStack;
let admin: string;

beforeAll(async () => {
  // Chunk consumption starts paused: the redelivery test takes the chunk messages itself first.
  stack = await LocalStack.start({ env: { ...STACK_ENV, IMPORTS_CHUNKS_CONCURRENCY: '0' } });
  admin = await stack.token('admin');
});

afterAll(async () => {
  await stack?.dispose();
});

interface UsersFile {
  content: string;
  rows: number;
  /** Spreadsheet row numbers that repeat an earlier row's email. */
  duplicateRows: number[];
  multiLineEmail: string;
}

/**
 * `rows` users; every fourth has a department spanning two lines (with a comma and escaped quotes), and
 * two rows repeat earlier emails in another case, far enough apart to sit in other chunks.
 */
const usersFile = (rows: number, tag: string): UsersFile => {
  if (rows < 40) throw new Error('usersFile needs at least 40 rows to place its duplicates');
  const lines = [USERS_HEADER];
  const email = (n: number) => `user${n}.${tag}@example.com`;
  const duplicates = new Map([
    [rows - 10, 3],
    [rows - 5, 20],
  ]);
  for (let n = 1; n <= rows; n += 1) {
    const repeated = duplicates.get(n);
    const address = repeated === undefined ? email(n) : email(repeated).toUpperCase();
    const department = n % 4 === 0 ? `"Research, ""Lab"" ${n}\nSecond floor"` : `Dept ${n}`;
    lines.push(
      `${address},First${n},Last${n},member,+1555000${String(n).padStart(4, '0')},${department},2024-01-15`,
    );
  }
  return {
    content: lines.map((line) => `${line}\r\n`).join(''),
    rows,
    duplicateRows: [...duplicates.keys()].map((n) => n + 1).sort((a, b) => a - b),
    multiLineEmail: email(4),
  };
};

const errorsOf = async (importId: string) => {
  const result = await stack.get(`/api/imports/${importId}/errors?limit=1000`, admin);
  return (result.body as { items: { rowNumber: number; errorType: string }[] }).items;
};

/** The exactness every recovery must keep: each row counted once, every row in the results once. */
const expectExact = async (task: Task, file: UsersFile) => {
  expect(task).toMatchObject({
    status: 'PARTIAL_SUCCESS',
    totalRows: file.rows,
    processedRows: file.rows,
    successCount: file.rows - file.duplicateRows.length,
    errorCount: file.duplicateRows.length,
  });
  const results = parse(await stack.download(admin, task.importId, 'results'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  expect(results.map((row) => Number(row.row_number))).toEqual(
    Array.from({ length: file.rows }, (_, index) => index + 2),
  );
  expect(results.filter((row) => row.status === 'FAILED').map((row) => Number(row.row_number))).toEqual(
    file.duplicateRows,
  );
  expect((await errorsOf(task.importId)).map((error) => [error.rowNumber, error.errorType])).toEqual(
    file.duplicateRows.map((row) => [row, 'DUPLICATE_IN_FILE']),
  );
};

/** Waits until validate-file has finished with the upload: PROCESSING, and its intake message deleted. */
const waitUntilPlanned = async (importId: string): Promise<Task> => {
  const task = await stack.waitForTask(
    admin,
    importId,
    (current) => current.status !== 'PENDING' && current.status !== 'VALIDATING',
  );
  const deadline = Date.now() + 30_000;
  while ((await stack.messageCount('intake')) > 0) {
    if (Date.now() > deadline) throw new Error('validate-file did not finish with its message');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return task;
};

const waitForEmpty = async (id: 'intake' | 'chunks' | 'finalize') => {
  const deadline = Date.now() + 60_000;
  while ((await stack.messageCount(id)) > 0) {
    if (Date.now() > deadline) throw new Error(`queue ${id} did not drain`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

describe('chunks', () => {
  it('counts every row once although chunk messages arrive twice, and again after the end', async () => {
    // Prepare: the file is validated and planned, its chunk messages wait in the paused queue.
    const file = usersFile(60, uniqueTag());
    const importId = await stack.upload(admin, {
      templateId: 'users',
      fileName: 'chunked.csv',
      content: file.content,
    });
    const planned = await waitUntilPlanned(importId);
    const chunkCount = await stack.messageCount('chunks');
    const messages = await stack.receiveMessages('chunks', chunkCount);
    const bodies = messages.map((message) => message.Body ?? '');
    // Every chunk message goes back twice, as an at-least-once queue may deliver it.
    for (const message of messages) {
      await stack.sendMessage('chunks', message.Body ?? '');
      await stack.sendMessage('chunks', message.Body ?? '');
      await stack.deleteMessage('chunks', message);
    }

    // Act: resume chunk consumption; once the import is final, deliver its chunks once more.
    await stack.restart({ ...STACK_ENV });
    const task = await stack.waitForTask(admin, importId);
    for (const body of bodies) await stack.sendMessage('chunks', body);
    await waitForEmpty('chunks');
    const afterLateCopies = await stack.task(admin, importId);

    // Assess
    expect(planned.status).toBe('PROCESSING');
    expect(chunkCount).toBeGreaterThan(8);
    expect(messages).toHaveLength(chunkCount);
    // Records spanning lines sit on both sides of chunk boundaries (the file is ASCII: chars are bytes).
    const ranges = bodies.map((body) => chunkMessageSchema.parse(JSON.parse(body)));
    const slices = ranges.map((range) => file.content.slice(range.start, range.end));
    expect(slices.some((slice) => slice.endsWith('Second floor",2024-01-15\r\n'))).toBe(true);
    expect(slices.some((slice) => (slice.split('\r\n')[0] ?? '').includes('\nSecond floor'))).toBe(true);
    await expectExact(task, file);
    expect(afterLateCopies).toEqual(task);
    expect(await stack.messageCount('chunks', true)).toBe(0);
    const records = (await stack.get('/api/templates/users/records?limit=1000', admin)).body as {
      items: Record<string, unknown>[];
    };
    expect(records.items.find((record) => record.email === file.multiLineEmail)).toMatchObject({
      department: 'Research, "Lab" 4\nSecond floor',
    });
  });
});

describe('recovery', () => {
  it('finishes with exact counts after kill -9 in the middle of an import', async () => {
    // Prepare
    const file = usersFile(600, uniqueTag());
    const importId = await stack.upload(admin, {
      templateId: 'users',
      fileName: 'killed.csv',
      content: file.content,
    });
    const midway = await stack.waitForTask(
      admin,
      importId,
      (task) => task.status === 'PROCESSING' && task.processedRows > 0,
    );

    // Act
    await stack.kill();
    await stack.restart();
    const task = await stack.waitForTask(admin, importId);

    // Assess
    expect(midway.processedRows).toBeLessThan(file.rows);
    await expectExact(task, file);
    expect(stack.logs()).toContain('----- restart -----');
  });

  it('replays the notification of an upload completed just before a crash', async () => {
    // Prepare: the S3 front journaled the completion and fauxqs completed it, then the stack died
    // before the notification went out. Completing straight on the emulator plays exactly that.
    const file = usersFile(40, uniqueTag());
    const created = await stack.post(
      '/api/imports',
      { templateId: 'users', fileName: 'crash.csv', fileSize: Buffer.byteLength(file.content) },
      admin,
    );
    const { import: pending, upload } = z
      .object({
        import: z.object({ importId: z.string() }),
        upload: z.object({ parts: z.array(z.object({ partNumber: z.number(), url: z.string() })) }),
      })
      .parse(created.body);
    const [part] = upload.parts;
    if (!part || upload.parts.length !== 1) throw new Error('expected a single-part upload');
    const put = await fetch(part.url, { method: 'PUT', body: file.content });
    const key = accountObjectKey(DEFAULT_ACCOUNT, uploadKey(pending.importId, 'crash.csv'));
    const uploadId = new URL(part.url).searchParams.get('uploadId') ?? '';
    await new NotificationJournal(`${stack.dataDir}/notifications`).record({
      bucket: LOCAL_BUCKET,
      key,
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      sourceIp: '127.0.0.1',
    });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${stack.ports.fauxqs}`,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
    });
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: LOCAL_BUCKET,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: put.headers.get('etag') ?? '' }] },
      }),
    );
    s3.destroy();
    const beforeCrash = await stack.task(admin, pending.importId);

    // Act
    await stack.kill();
    await stack.restart();
    const task = await stack.waitForTask(admin, pending.importId);

    // Assess: without the replay the object would sit there and the task stay PENDING for ever.
    expect(beforeCrash.status).toBe('PENDING');
    expect(stack.logs()).toContain('replayed journaled notification');
    await expectExact(task, file);
  });

  it("moves a poison message to the dead-letter queue after the queue's max receives", async () => {
    // Prepare
    const deadline = Date.now() + 60_000;

    // Act
    await stack.sendMessage('finalize', 'this is not a finalize message');
    while ((await stack.messageCount('finalize', true)) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    // Assess: three receives (the finalize queue's maxReceiveCount), each ending in a batch failure.
    expect(await stack.messageCount('finalize', true)).toBe(1);
    expect(await stack.messageCount('finalize')).toBe(0);
    const failures = stack.logs().match(/\[poller:finalize\] batch (partly )?failed.*receives=\d/g) ?? [];
    expect(failures.map((line) => line.slice(-1))).toEqual(['1', '2', '3']);
  });
});
