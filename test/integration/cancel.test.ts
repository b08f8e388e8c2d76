import { parse } from 'csv-parse/sync';
import type { Task } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Cancel (DESIGN §10) on the real local stack, through the public API only: an import that has not
 * started ends at once; one being processed stops committing, reports every row it did not commit as a
 * SYSTEM error naming who cancelled, keeps exact counts, and its exceptions file imports the rest.
 */

jest.setTimeout(240_000);

let stack: LocalStack;

beforeAll(async () => {
  // Small chunks, one at a time: a 6,000-row import takes long enough to be cancelled part-way.
  stack = await LocalStack.start({ env: { CHUNK_MAX_ROWS: '150', IMPORTS_CHUNKS_CONCURRENCY: '1' } });
});

afterAll(async () => {
  await stack?.dispose();
});

const signIn = async (): Promise<string> => stack.token('admin', `cancel-${uniqueTag()}`);

const HEADER = 'email,first_name,last_name,role';
const usersFile = (count: number, broken: ReadonlySet<number> = new Set()) =>
  `${HEADER}\n${Array.from({ length: count }, (_, index) =>
    broken.has(index + 2)
      ? `user${index}@example.com,Broken,Role,owner`
      : `user${index}@example.com,First${index},Last${index},member`,
  ).join('\n')}\n`;

const cancel = (token: string, importId: string) => stack.post(`/api/imports/${importId}/cancel`, {}, token);

const recordCount = async (token: string): Promise<number> => {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await stack.get(
      `/api/templates/users/records?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    const body = page.body as { items: unknown[]; nextCursor?: string };
    count += body.items.length;
    cursor = body.nextCursor;
  } while (cursor);
  return count;
};

describe('cancelling an import', () => {
  it('ends an import that has not started at once, and refuses to cancel it again', async () => {
    const token = await signIn();
    const { import: pending } = await stack.api(token).createImport({
      templateId: 'users',
      fileName: 'never-sent.csv',
      fileSize: 100,
    });

    const answer = await cancel(token, pending.importId);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: 'FAILED',
      cancelledBy: 'admin',
      cancelledAt: expect.any(String),
      statusReason: 'Cancelled by admin before it started: nothing was imported',
    });

    const again = await cancel(token, pending.importId);
    expect(again.status).toBe(409);
    expect(again.text).toContain('has ended (FAILED)');
    expect((await cancel(token, 'no-such-import')).status).toBe(404);
  });

  it('stops a running import: committed rows stay, the rest are SYSTEM errors, and the exceptions file imports them', async () => {
    const token = await signIn();
    const total = 6000;
    const importId = await stack.upload(token, {
      templateId: 'users',
      fileName: 'big.csv',
      content: usersFile(total, new Set([3, 4000])),
    });
    await stack.waitForTask(token, importId, (task) => task.processedRows >= 300, 60_000);

    const answer = await cancel(token, importId);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ status: 'PROCESSING', cancelledBy: 'admin' });
    // Asking again while it is being cancelled changes nothing.
    const again = await cancel(token, importId);
    expect(again.status).toBe(202);
    expect((again.body as Task).cancelledAt).toBe((answer.body as Task).cancelledAt);

    const ended = await stack.waitForTask(token, importId);
    expect(ended.status).toBe('PARTIAL_SUCCESS');
    expect(ended.processedRows).toBe(total);
    expect(ended.successCount + ended.errorCount).toBe(total);
    // At least the 300 rows processed before the cancel, but row 3 (broken).
    expect(ended.successCount).toBeGreaterThanOrEqual(299);
    expect(ended.successCount).toBeLessThan(total - 1000);
    expect(ended.statusReason).toMatch(
      /^Cancelled by admin: [\d,]+ rows not imported \(import the exceptions file to import them\); [\d,]+ rows imported before the cancel/,
    );
    expect(await recordCount(token)).toBe(ended.successCount);

    const exceptions = await stack.download(token, importId, 'exceptions');
    const rows = parse(exceptions.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(ended.errorCount);
    const cancelled = rows.filter((row) => row.error_type === 'SYSTEM');
    expect(cancelled.length).toBeGreaterThan(1000);
    expect(cancelled[0]?.error_message).toMatch(/^Not imported: the import was cancelled by admin at /);
    // Rows that failed their own checks say so, cancelled or not.
    expect(rows.some((row) => row.error_type === 'INVALID_VALUE')).toBe(true);

    // The exceptions file, uploaded as is, imports what the cancel left out.
    const rest = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'big-exceptions.csv',
      content: exceptions,
    });
    const broken = rows.filter((row) => row.error_type !== 'SYSTEM').length;
    expect(rest).toMatchObject({ successCount: cancelled.length, errorCount: broken });
    expect(await recordCount(token)).toBe(total - broken);
  });

  it('refuses to cancel an import that has ended', async () => {
    const token = await signIn();
    const done = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'small.csv',
      content: usersFile(3),
    });
    expect(done.status).toBe('COMPLETED');
    const answer = await cancel(token, done.importId);
    expect(answer.status).toBe(409);
    expect(answer.text).toContain('has ended (COMPLETED): there is nothing to cancel.');
  });
});
