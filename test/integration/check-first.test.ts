import type { Task } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Check first (DESIGN §10) on the real local stack, through the public API only: a check runs every check
 * of an import, `ALREADY_EXISTS` against the store included, and writes no record; its commit imports the
 * same stored file with the same reading, linked to the check, and comes out as a direct import of that
 * file does.
 */

jest.setTimeout(240_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await LocalStack.start();
});

afterAll(async () => {
  await stack?.dispose();
});

const signIn = async (): Promise<string> => stack.token('admin', `check-${uniqueTag()}`);

const USERS = [
  'email,first_name,last_name,role,start_date',
  'ada@example.com,Ada,Lovelace,admin,2024-03-04',
  'alan@example.com,Alan,Turing,member,2023-12-25',
  'grace@example.com,Grace,Hopper,manager,not a date',
  'edsger@example.com,Edsger,Dijkstra,member,',
].join('\n');

const recordsOf = async (token: string, templateId = 'users') => {
  const page = await stack.get(`/api/templates/${templateId}/records?limit=1000`, token);
  expect(page.status).toBe(200);
  return (page.body as { items: Record<string, unknown>[] }).items
    .map(({ createdAt: _c, updatedAt: _u, ...record }) => record)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
};

const errorsOf = async (token: string, importId: string) => {
  const page = await stack.get(`/api/imports/${importId}/errors?limit=100`, token);
  expect(page.status).toBe(200);
  return (page.body as { items: { rowNumber: number; errorType: string }[] }).items.map(
    ({ rowNumber, errorType }) => [rowNumber, errorType],
  );
};

const check = async (token: string, content: string, templateId = 'users', extra = {}): Promise<Task> => {
  const importId = await stack.upload(token, {
    templateId,
    fileName: 'people.csv',
    content,
    reading: { dryRun: true, ...extra },
  });
  return stack.waitForTask(token, importId);
};

const commit = async (token: string, importId: string) =>
  stack.post(`/api/imports/${importId}/commit`, {}, token);

/** What an outcome says, without ids and times. */
const outcome = (task: Task) => ({
  status: task.status,
  totalRows: task.totalRows,
  processedRows: task.processedRows,
  successCount: task.successCount,
  errorCount: task.errorCount,
  createdCount: task.createdCount,
  updatedCount: task.updatedCount,
});

describe('a check (dryRun)', () => {
  it('runs every check, ALREADY_EXISTS included, and writes no record', async () => {
    const token = await signIn();
    const first = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'first.csv',
      content: 'email,first_name,last_name,role\nALAN@example.com,Alan,Turing,member\n',
    });
    expect(first.status).toBe('COMPLETED');
    const before = await recordsOf(token);

    const checked = await check(token, USERS);
    expect(checked).toMatchObject({
      dryRun: true,
      status: 'PARTIAL_SUCCESS',
      totalRows: 4,
      processedRows: 4,
      successCount: 2,
      errorCount: 2,
      statusReason: 'A check, so nothing was imported: 2 of 4 rows would fail: see the exceptions report',
    });
    expect(checked.parentImportId).toBeUndefined();
    expect(await errorsOf(token, checked.importId)).toEqual([
      [3, 'ALREADY_EXISTS'],
      [4, 'INVALID_FORMAT'],
    ]);
    expect(await recordsOf(token)).toEqual(before);

    // Its reports are there as for an import, saying what an import would do.
    const results = await stack.download(token, checked.importId, 'results');
    expect(results.split(/\r?\n/).filter(Boolean)).toHaveLength(5);
  });

  it('is committed as an import of the same stored file, equal to a direct import of it', async () => {
    const token = await signIn();
    const checked = await check(token, USERS);
    const answer = await commit(token, checked.importId);
    expect(answer.status).toBe(201);
    const started = (answer.body as { import: Task }).import;
    expect(started).toMatchObject({ parentImportId: checked.importId, fileName: 'people.csv' });
    expect(started.dryRun).toBeUndefined();
    expect(started.importId).not.toBe(checked.importId);
    const committed = await stack.waitForTask(token, started.importId);

    const other = await signIn();
    const direct = await stack.importFile(other, {
      templateId: 'users',
      fileName: 'people.csv',
      content: USERS,
    });
    expect(outcome(committed)).toEqual(outcome(direct));
    expect(outcome(committed)).toMatchObject({ status: 'PARTIAL_SUCCESS', successCount: 3, errorCount: 1 });
    expect(await recordsOf(token)).toEqual(await recordsOf(other));
    expect(await errorsOf(token, committed.importId)).toEqual(await errorsOf(other, direct.importId));
    expect(await stack.download(token, committed.importId, 'original')).toBe(USERS);

    // The check itself stays a check; committing it again starts nothing new: it answers the same import.
    expect(await stack.task(token, checked.importId)).toMatchObject({
      dryRun: true,
      committedImportId: started.importId,
    });
    const again = await commit(token, checked.importId);
    expect(again.status).toBe(201);
    expect((again.body as { import: Task }).import.importId).toBe(started.importId);
    expect((await stack.get('/api/imports', token)).body).toMatchObject({ items: { length: 2 } });
  });

  it('commits with the same mapping and date orders as the check', async () => {
    const token = await signIn();
    const file = 'E-mail,Given name,Surname,Start\nada@example.com,Ada,Lovelace,04.03.2024\n';
    const mapping = {
      email: { source: 'E-mail' },
      first_name: { source: 'Given name' },
      last_name: { source: 'Surname' },
      start_date: { source: 'Start' },
      role: { value: 'member' },
    };
    const checked = await check(token, file, 'users', { mapping, formats: { start_date: 'DMY' } });
    expect(checked).toMatchObject({ status: 'COMPLETED', successCount: 1 });
    expect(await recordsOf(token)).toEqual([]);
    const answer = await commit(token, checked.importId);
    expect(answer.status).toBe(201);
    const committed = await stack.waitForTask(token, (answer.body as { import: Task }).import.importId);
    expect(committed).toMatchObject({ status: 'COMPLETED', mapping, formats: { start_date: 'DMY' } });
    expect(await recordsOf(token)).toEqual([
      expect.objectContaining({ email: 'ada@example.com', role: 'member', start_date: '2024-03-04' }),
    ]);
  });

  it('counts what an upsert would create and update, and so does the import', async () => {
    const token = await signIn();
    await stack.importFile(token, {
      templateId: 'departments',
      fileName: 'first.csv',
      content: 'code,name\nENG,Engineering\n',
    });
    const before = await recordsOf(token, 'departments');
    const file = 'code,name\neng,Engineering and Research\nOPS,Operations\nFIN,Finance\n';
    const checked = await check(token, file, 'departments');
    expect(outcome(checked)).toMatchObject({
      status: 'COMPLETED',
      successCount: 3,
      createdCount: 2,
      updatedCount: 1,
    });
    expect(await recordsOf(token, 'departments')).toEqual(before);

    const answer = await commit(token, checked.importId);
    const committed = await stack.waitForTask(token, (answer.body as { import: Task }).import.importId);
    expect(outcome(committed)).toEqual({ ...outcome(checked) });
    expect((await recordsOf(token, 'departments')).map((record) => record.name)).toEqual(
      expect.arrayContaining(['Engineering and Research', 'Operations', 'Finance']),
    );
  });

  it('refuses to commit what is not a final, valid check, naming why', async () => {
    const token = await signIn();
    const real = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'people.csv',
      content: USERS,
    });
    const ofImport = await commit(token, real.importId);
    expect(ofImport.status).toBe(409);
    expect(ofImport.text).toMatch(/not a check/i);

    const refused = await check(token, 'name,surname\nAda,Lovelace\n');
    expect(refused.status).toBe('VALIDATION_FAILED');
    const ofRefused = await commit(token, refused.importId);
    expect(ofRefused.status).toBe(409);
    expect(ofRefused.text).toMatch(/did not pass validation/i);

    const { import: pending } = await stack.api(token).createImport({
      templateId: 'users',
      fileName: 'later.csv',
      fileSize: 10,
      dryRun: true,
    });
    const ofPending = await commit(token, pending.importId);
    expect(ofPending.status).toBe(409);
    expect(ofPending.text).toMatch(/PENDING/);

    expect((await commit(token, 'no-such-import')).status).toBe(404);
    const bad = await stack.post(
      '/api/imports',
      { templateId: 'users', fileName: 'a.csv', fileSize: 5, dryRun: 'yes' },
      token,
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('dryRun');
  });
});
