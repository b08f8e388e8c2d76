import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { isFinalStatus, type Task, taskSchema } from '../../lambdas/shared/model';
import { EMAIL_FROM, EMAIL_TO } from '../fixtures/hostile/email-cases';
import { type GeneratedCorpus, type GeneratedFile, generateCorpus } from '../fixtures/hostile/generate';
import type { EmailCase, ExpectedOutcome, UploadCase } from '../fixtures/hostile/types';
import { LocalStack } from '../helpers/local-stack';

/**
 * The hostile corpus (test/fixtures/hostile) through ONE real local stack, the way users send files: every
 * upload through the API and presigned part PUTs, every email through the SMTP receiver. Each case must
 * end in its final status with its exact reason or row errors; afterwards the stack still answers, no
 * task is left unfinished, and no function environment crashed or outgrew its heap cap (the stack's own
 * `function stats` lines, logged at a clean stop, as `npm run bench` reads them).
 */

jest.setTimeout(600_000);

let stack: LocalStack;
let admin: string;
let corpus: GeneratedCorpus;

/** Uploads (and emails) in flight at once: enough to overlap waiting, few enough for 2 cores. */
const CONCURRENCY = 4;

const errorsSchema = z.object({
  items: z.array(z.object({ rowNumber: z.number(), errorType: z.string(), message: z.string() })),
  nextCursor: z.string().nullish(),
});
const recordsSchema = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  nextCursor: z.string().nullish(),
});
const tasksSchema = z.object({ items: z.array(taskSchema), nextCursor: z.string().nullish() });

const inParallel = async <T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rowErrorsOf = async (importId: string) => {
  const page = await stack.get(`/api/imports/${importId}/errors?limit=1000`, admin);
  return errorsSchema
    .parse(page.body)
    .items.map(({ rowNumber, errorType, message }) => ({ rowNumber, errorType, message }));
};

const allTasks = async (): Promise<Task[]> => {
  const tasks: Task[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await stack.get(`/api/imports?limit=100${cursor ? `&cursor=${cursor}` : ''}`, admin);
    const parsed = tasksSchema.parse(page.body);
    tasks.push(...parsed.items);
    cursor = parsed.nextCursor;
  } while (cursor);
  return tasks;
};

const storedUsers = async (): Promise<Map<string, Record<string, unknown>>> => {
  const users = new Map<string, Record<string, unknown>>();
  let cursor: string | null | undefined;
  do {
    const page = await stack.get(
      `/api/templates/users/records?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      admin,
    );
    const parsed = recordsSchema.parse(page.body);
    for (const item of parsed.items) users.set(String(item.email).toLowerCase(), item);
    cursor = parsed.nextCursor;
  } while (cursor);
  return users;
};

/** What the API shows of a task, in the shape of an expectation, for one readable comparison. */
const observed = async (task: Task, expected: ExpectedOutcome) => ({
  status: task.status,
  ...(expected.reason !== undefined || task.statusReason !== undefined ? { reason: task.statusReason } : {}),
  ...(expected.totalRows !== undefined ? { totalRows: task.totalRows } : {}),
  ...(expected.successCount !== undefined ? { successCount: task.successCount } : {}),
  ...(expected.rowErrors !== undefined ? { rowErrors: await rowErrorsOf(task.importId) } : {}),
  ...(expected.warnings !== undefined ? { warnings: task.warnings ?? [] } : {}),
});
const wanted = (expected: ExpectedOutcome) => {
  const { records: _records, ...rest } = expected;
  return rest;
};

interface UploadRun {
  file: GeneratedFile<UploadCase>;
  task?: Task;
  refusal?: string;
}

const runUpload = async (file: GeneratedFile<UploadCase>): Promise<UploadRun> => {
  const { spec } = file;
  if ('rejected' in spec.expected) {
    const created = await stack.post(
      '/api/imports',
      { templateId: spec.templateId, fileName: spec.fileName, fileSize: spec.declaredSize ?? file.bytes },
      admin,
    );
    expect(created.status).toBe(400);
    const message = z.object({ error: z.object({ message: z.string() }) }).parse(created.body).error.message;
    return { file, refusal: message };
  }
  const task = await stack.importFile(admin, {
    templateId: spec.templateId,
    fileName: spec.fileName,
    content: await readFile(file.path),
    ...(spec.declaredSize !== undefined ? { declaredSize: spec.declaredSize } : {}),
  });
  return { file, task };
};

const sendRaw = async (file: GeneratedFile<EmailCase>) => {
  return await stack.sendMail({
    envelope: { from: EMAIL_FROM, to: [EMAIL_TO] },
    raw: { path: file.path },
  });
};

/** Email ingest's `Message handled` log line for an SES message id (the SMTP receiver's "queued as"). */
const handledLogLine = async (messageId: string): Promise<{ outcome?: unknown; detail?: unknown }> => {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const line = stack
      .logs()
      .split('\n')
      .find((candidate) => candidate.includes('"Message handled"') && candidate.includes(`"${messageId}"`));
    if (line) return JSON.parse(line.slice(line.indexOf('{')));
    await sleep(300);
  }
  throw new Error(`No "Message handled" line for ${messageId}\n${stack.logs().slice(-4000)}`);
};

const finalTasksWithSubject = async (subject: string, count: number): Promise<Task[]> => {
  const deadline = Date.now() + 120_000;
  let tasks: Task[] = [];
  while (Date.now() < deadline) {
    tasks = (await allTasks()).filter((task) => task.email?.subject === subject);
    if (tasks.length === count && tasks.every((task) => isFinalStatus(task.status))) return tasks;
    await sleep(300);
  }
  throw new Error(`Tasks of "${subject}": ${JSON.stringify(tasks)}\n${stack.logs().slice(-4000)}`);
};

beforeAll(async () => {
  corpus = await generateCorpus();
  stack = await LocalStack.start();
  admin = await stack.token('admin');
  await stack.saveEmailSettings(admin, {
    enabled: true,
    addresses: [{ address: EMAIL_TO, templateId: 'users' }],
    allowedSenders: ['*@example.com'],
    replyToSender: false,
  });
});

afterAll(async () => {
  await stack?.dispose();
});

describe('the hostile corpus on one local stack', () => {
  let uploads: UploadRun[] = [];

  it('ends every uploaded case in its final status with its exact reason and row errors', async () => {
    // Act
    uploads = await inParallel(corpus.uploads, runUpload);
    const users = await storedUsers();

    // Assess
    const mismatches: unknown[] = [];
    for (const run of uploads) {
      const { spec } = run.file;
      if ('rejected' in spec.expected) {
        if (run.refusal !== spec.expected.reason) mismatches.push({ id: spec.id, refusal: run.refusal });
        continue;
      }
      const task = run.task as Task;
      const seen = await observed(task, spec.expected);
      const expected = wanted(spec.expected);
      if (JSON.stringify(seen) !== JSON.stringify(expected)) mismatches.push({ id: spec.id, seen, expected });
      for (const [email, values] of Object.entries(spec.expected.records ?? {})) {
        const stored = users.get(email.toLowerCase());
        const picked = Object.fromEntries(Object.keys(values).map((column) => [column, stored?.[column]]));
        if (JSON.stringify(picked) !== JSON.stringify(values))
          mismatches.push({ id: spec.id, email, stored: picked, expected: values });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('neutralises injection payloads in both reports, and the fixed exceptions file re-imports the originals', async () => {
    // Prepare
    const run = uploads.find((candidate) => candidate.file.spec.id === 'csv-injection');
    if (!run?.task) throw new Error('the csv-injection case did not run');
    const exceptions = await stack.download(admin, run.task.importId, 'exceptions');
    const results = await stack.download(admin, run.task.importId, 'results');
    const exceptionRows: string[][] = parse(exceptions, { bom: true });
    const resultRows: string[][] = parse(results, { bom: true });

    // Act: the admin fixes the role (and the bad email) and uploads the exceptions file as is.
    const fixed = exceptionRows.map((cells, index) => {
      if (index === 0) return cells;
      const copy = [...cells];
      copy[3] = 'member';
      if (copy[0]?.includes('HYPERLINK')) copy[0] = 'fixed.csv-injection@example.com';
      return copy;
    });
    const fixedCsv = `${fixed.map((cells) => cells.map((cell) => `"${cell.replace(/"/g, '""')}"`).join(',')).join('\r\n')}\r\n`;
    const reimport = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'injection-fixed.csv',
      content: fixedCsv,
    });
    const users = await storedUsers();

    // Assess
    expect(exceptionRows.slice(1).map((cells) => cells.slice(0, 4))).toEqual([
      ['csv-injection.11@example.com', "'=1+1", "'+SUM(A1)", 'boss'],
      ["'-minus.csv-injection@example.com", "'-2+3", "'@SUM(1)", 'boss'],
      // Values are trimmed: the leading CR and tab go, the formula that follows is still neutralised.
      ['csv-injection.13@example.com', "'=1+1", "'@x", 'boss'],
      ['\'=HYPERLINK("http://evil.example","x")', 'Eve', "'=cmd|' /C calc'!A0", 'member'],
    ]);
    const keys = resultRows.slice(1).map((cells) => cells[3]);
    expect(keys).toEqual(
      expect.arrayContaining([
        "'+plus.csv-injection@example.com",
        "'-minus.csv-injection@example.com",
        '\'=HYPERLINK("http://evil.example","x")',
      ]),
    );
    expect(keys.every((key) => key === undefined || !/^[=+\-@\t\r]/.test(key))).toBe(true);
    expect(reimport).toMatchObject({ status: 'COMPLETED', totalRows: 4, successCount: 4 });
    const pick = (email: string) => {
      const user = users.get(email);
      return [user?.first_name, user?.last_name];
    };
    expect(pick('csv-injection.11@example.com')).toEqual(['=1+1', '+SUM(A1)']);
    expect(pick('-minus.csv-injection@example.com')).toEqual(['-2+3', '@SUM(1)']);
    expect(pick('csv-injection.13@example.com')).toEqual(['=1+1', '@x']);
    expect(pick('fixed.csv-injection@example.com')).toEqual(['Eve', "=cmd|' /C calc'!A0"]);
  });

  it('ends every MIME bomb in its final status with its exact reason, or drops it saying why in the log', async () => {
    // Act
    const sent = await inParallel(corpus.emails, async (file) => ({
      file,
      response: (await sendRaw(file)).response,
    }));
    const outcomes = await inParallel(sent, async ({ file, response }) => {
      const expected = file.spec.expected;
      if ('dropped' in expected) {
        const messageId = /queued as (\S+)/.exec(response)?.[1] ?? '';
        const handled = await handledLogLine(messageId);
        return {
          id: file.spec.id,
          dropped: { dropped: handled.outcome, detail: handled.detail },
          tasks: (await allTasks()).filter((task) => task.email?.subject === `hostile ${file.spec.id}`),
        };
      }
      return {
        id: file.spec.id,
        tasks: await finalTasksWithSubject(`hostile ${file.spec.id}`, expected.length),
      };
    });

    // Assess
    expect(sent.map((entry) => entry.response.slice(0, 4))).toEqual(sent.map(() => '250 '));
    const mismatches: unknown[] = [];
    for (const [index, file] of corpus.emails.entries()) {
      const expected = file.spec.expected;
      const outcome = outcomes[index];
      const tasks = outcome?.tasks ?? [];
      if ('dropped' in expected) {
        if (tasks.length > 0 || JSON.stringify(outcome?.dropped) !== JSON.stringify(expected))
          mismatches.push({ id: file.spec.id, tasks, dropped: outcome?.dropped, expected });
        continue;
      }
      const seen = await Promise.all(
        [...tasks]
          .sort((a, b) => a.fileName.localeCompare(b.fileName))
          .map(async (task) => {
            const want = expected.find((entry) => entry.fileName === task.fileName) ?? {
              status: task.status,
            };
            return { fileName: task.fileName, ...(await observed(task, want)) };
          }),
      );
      const want = [...expected]
        .sort((a, b) => a.fileName.localeCompare(b.fileName))
        .map(({ fileName, ...rest }) => ({ fileName, ...wanted(rest) }));
      if (JSON.stringify(seen) !== JSON.stringify(want)) mismatches.push({ id: file.spec.id, seen, want });
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps serving: health answers, no task is left unfinished, no environment crashed or outgrew its heap cap', async () => {
    // Act
    const health = await stack.get('/api/health');
    const unfinished = (await allTasks()).filter((task) => !isFinalStatus(task.status));
    await stack.stop();
    const stats = stack
      .logs()
      .split('\n')
      .filter((line) => line.includes('[stack] function stats'))
      .map((line) =>
        Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1], match[2]])),
      );

    // Assess
    expect(health).toMatchObject({ status: 200, body: { ok: true } });
    expect(unfinished).toEqual([]);
    expect(stats.map((entry) => entry.name).sort()).toEqual([
      'finalize-import',
      'process-chunk',
      'validate-file',
    ]);
    for (const entry of stats) {
      expect({ name: entry.name, crashes: entry.crashes, timeouts: entry.timeouts }).toEqual({
        name: entry.name,
        crashes: '0',
        timeouts: '0',
      });
      expect(Number(entry.peakHeapMb)).toBeGreaterThan(0);
      expect(Number(entry.peakHeapMb)).toBeLessThan(Number(entry.maxOldSpaceMb));
    }
    process.stdout.write(
      `hostile corpus: ${stats.map((entry) => `${entry.name} peakHeapMb=${entry.peakHeapMb}`).join(', ')}\n`,
    );
  });
});
