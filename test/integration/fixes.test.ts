import type { Task } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Fixes in the console (DESIGN §10) on the real local stack, through the public API only: a fix is a
 * child import of the failed rows sent back with new values, through the same pipeline; its errors and
 * reports keep the parent's row numbers, and the parent's `outstandingRows` counts the failed rows no
 * successful fix has imported, whatever order the fixes finish in.
 */

jest.setTimeout(300_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await LocalStack.start({ env: { CHUNK_MAX_ROWS: '3' } });
});

afterAll(async () => {
  await stack?.dispose();
});

const signIn = async (): Promise<string> => stack.token('admin', `fixes-${uniqueTag()}`);

/** Rows 2–11; rows 3, 5, 8 and 11 fail (a bad address, a bad role, a missing name, a bad address). */
const PEOPLE = [
  'Email,First Name,last_name,role',
  'ada@example.com,Ada,Lovelace,admin',
  'alan@example,Alan,Turing,member',
  'grace@example.com,Grace,Hopper,manager',
  'edsger@example.com,Edsger,Dijkstra,wizard',
  'barbara@example.com,Barbara,Liskov,member',
  'ken@example.com,Ken,Thompson,member',
  'dennis@example.com,,Ritchie,member',
  'john@example.com,John,Backus,member',
  'fran@example.com,Fran,Allen,member',
  'donald@example,Donald,Knuth,member',
].join('\n');

const MAPPING = { email: { source: 'Email' }, first_name: { source: 'First Name' } };

const importPeople = (token: string): Promise<Task> =>
  stack.importFile(token, {
    templateId: 'users',
    fileName: 'people.csv',
    content: PEOPLE,
    reading: { mapping: MAPPING },
  });

type FixRow = { rowNumber: number; values: Record<string, string> };

const postFixes = (token: string, importId: string, rows: FixRow[], dryRun?: boolean) =>
  stack.post(`/api/imports/${importId}/fixes`, { rows, ...(dryRun === undefined ? {} : { dryRun }) }, token);

const fix = async (token: string, importId: string, rows: FixRow[], dryRun?: boolean): Promise<Task> => {
  const answer = await postFixes(token, importId, rows, dryRun);
  expect(answer.status).toBe(201);
  return (answer.body as { import: Task }).import;
};

const errorsOf = async (token: string, importId: string) => {
  const page = await stack.get(`/api/imports/${importId}/errors?limit=100`, token);
  expect(page.status).toBe(200);
  return (page.body as { items: { rowNumber: number; errorType: string }[] }).items.map(
    ({ rowNumber, errorType }) => [rowNumber, errorType],
  );
};

const emails = async (token: string): Promise<string[]> => {
  const page = await stack.get('/api/templates/users/records?limit=1000', token);
  expect(page.status).toBe(200);
  return (page.body as { items: { email: string }[] }).items.map((record) => record.email).sort();
};

/** The row_number column of a report, in the order written. */
const reportRowNumbers = (csv: string, column: string): number[] => {
  const lines = csv
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/);
  const position = (lines[0] ?? '').split(',').indexOf(column);
  return lines.slice(1).map((line) => Number(line.split(',')[position]));
};

describe('fixing failed rows', () => {
  it('imports the fixed rows as a child import that keeps the original row numbers', async () => {
    const token = await signIn();
    const parent = await importPeople(token);
    expect(parent).toMatchObject({ status: 'PARTIAL_SUCCESS', errorCount: 4, outstandingRows: 4 });

    // Rows 3 and 5 fixed; row 8 sent back still without a first name; only the changed value is sent.
    const child = await fix(token, parent.importId, [
      { rowNumber: 3, values: { Email: 'alan@example.com' } },
      { rowNumber: 5, values: { role: 'member' } },
      { rowNumber: 8, values: { last_name: 'Ritchie' } },
    ]);
    expect(child).toMatchObject({ parentImportId: parent.importId, fixRows: 3, templateId: 'users' });
    expect(child.dryRun).toBeUndefined();

    const done = await stack.waitForTask(token, child.importId);
    expect(done).toMatchObject({ status: 'PARTIAL_SUCCESS', totalRows: 3, successCount: 2, errorCount: 1 });
    expect(await errorsOf(token, child.importId)).toEqual([[8, 'REQUIRED']]);
    expect(reportRowNumbers(await stack.download(token, child.importId, 'exceptions'), 'row_number')).toEqual(
      [8],
    );
    expect(reportRowNumbers(await stack.download(token, child.importId, 'results'), 'row_number')).toEqual([
      3, 5, 8,
    ]);
    const failed = await stack.api(token).listFailedRows(child.importId, 10);
    expect(failed.items).toEqual([
      {
        rowNumber: 8,
        values: { Email: 'dennis@example.com', 'First Name': '', last_name: 'Ritchie', role: 'member' },
        errors: [expect.objectContaining({ errorType: 'REQUIRED', column: 'first_name' })],
      },
    ]);
    expect(await emails(token)).toEqual(
      expect.arrayContaining(['alan@example.com', 'edsger@example.com', 'ada@example.com']),
    );

    const after = await stack.task(token, parent.importId);
    expect(after).toMatchObject({ outstandingRows: 2, fixImportIds: [child.importId] });
    // The parent's failed rows say which are imported now, and by which fix.
    const parentRows = (await stack.api(token).listFailedRows(parent.importId, 10)).items;
    expect(parentRows.map((row) => [row.rowNumber, row.importedBy])).toEqual([
      [3, child.importId],
      [5, child.importId],
      [8, undefined],
      [11, undefined],
    ]);
  });

  it('fixes a fix, and the first import counts what its fixes of fixes imported', async () => {
    const token = await signIn();
    const parent = await importPeople(token);
    const first = await fix(token, parent.importId, [
      { rowNumber: 8, values: {} },
      { rowNumber: 11, values: { Email: 'donald@example.com' } },
    ]);
    await stack.waitForTask(token, first.importId);
    expect(await errorsOf(token, first.importId)).toEqual([[8, 'REQUIRED']]);

    const second = await fix(token, first.importId, [{ rowNumber: 8, values: { 'First Name': 'Dennis' } }]);
    expect(second.parentImportId).toBe(first.importId);
    expect(await stack.waitForTask(token, second.importId)).toMatchObject({
      status: 'COMPLETED',
      successCount: 1,
    });

    expect(await stack.task(token, first.importId)).toMatchObject({
      outstandingRows: 0,
      fixImportIds: [second.importId],
    });
    expect(await stack.task(token, parent.importId)).toMatchObject({
      outstandingRows: 2,
      fixImportIds: [first.importId, second.importId],
    });
    expect(await emails(token)).toEqual(expect.arrayContaining(['dennis@example.com', 'donald@example.com']));
  });

  it('counts a row once when two fixes race to import it', async () => {
    const token = await signIn();
    const parent = await importPeople(token);
    const row = { rowNumber: 3, values: { Email: 'alan@example.com' } };
    const [one, two] = await Promise.all([
      fix(token, parent.importId, [row]),
      fix(token, parent.importId, [row, { rowNumber: 5, values: { role: 'admin' } }]),
    ]);
    const [doneOne, doneTwo] = await Promise.all([
      stack.waitForTask(token, one.importId),
      stack.waitForTask(token, two.importId),
    ]);
    // One of them imported row 3; the other met the record it wrote.
    const row3 = [...(await errorsOf(token, one.importId)), ...(await errorsOf(token, two.importId))];
    expect(row3).toEqual([[3, 'ALREADY_EXISTS']]);
    expect(doneOne.successCount + doneTwo.successCount).toBe(2);
    expect((await emails(token)).filter((email) => email === 'alan@example.com')).toHaveLength(1);
    expect(await stack.task(token, parent.importId)).toMatchObject({ outstandingRows: 2 });
  });

  it('checks fixes first (dryRun), then imports them with commit', async () => {
    const token = await signIn();
    const parent = await importPeople(token);
    const before = await emails(token);
    const checked = await fix(
      token,
      parent.importId,
      [{ rowNumber: 3, values: { Email: 'alan@example.com' } }],
      true,
    );
    expect(checked).toMatchObject({ dryRun: true, fixRows: 1 });
    expect(await stack.waitForTask(token, checked.importId)).toMatchObject({
      status: 'COMPLETED',
      successCount: 1,
    });
    expect(await emails(token)).toEqual(before);
    expect(await stack.task(token, parent.importId)).toMatchObject({ outstandingRows: 4 });

    const committed = await stack.post(`/api/imports/${checked.importId}/commit`, {}, token);
    expect(committed.status).toBe(201);
    const child = (committed.body as { import: Task }).import;
    expect(child).toMatchObject({ parentImportId: checked.importId, fixRows: 1 });
    expect(await stack.waitForTask(token, child.importId)).toMatchObject({ status: 'COMPLETED' });
    expect(reportRowNumbers(await stack.download(token, child.importId, 'results'), 'row_number')).toEqual([
      3,
    ]);
    expect(await emails(token)).toContain('alan@example.com');
    expect(await stack.task(token, parent.importId)).toMatchObject({
      outstandingRows: 3,
      fixImportIds: [checked.importId, child.importId],
    });
  });

  it('refuses fixes it cannot make, naming the problem, and starts nothing', async () => {
    const token = await signIn();
    const parent = await importPeople(token);
    const refusal = async (rows: unknown, status: number, text: RegExp) => {
      const answer = await stack.post(`/api/imports/${parent.importId}/fixes`, { rows }, token);
      expect({ status: answer.status, text: answer.text }).toEqual({
        status,
        text: expect.stringMatching(text),
      });
    };
    await refusal([{ rowNumber: 2, values: {} }], 400, /Row 2 did not fail/);
    await refusal(
      [
        { rowNumber: 3, values: {} },
        { rowNumber: 3, values: {} },
      ],
      400,
      /row 3 .*more than once/i,
    );
    await refusal([{ rowNumber: 3, values: { Phone: '1' } }], 400, /Phone.*not a column of the file/);
    await refusal([], 400, /at least 1 row/);
    await refusal(
      Array.from({ length: 10_001 }, (_, index) => ({ rowNumber: index + 2, values: {} })),
      400,
      /at most 10,?000 rows/,
    );
    await refusal(
      [{ rowNumber: 3, values: { Email: '', 'First Name': '', last_name: '', role: '' } }],
      400,
      /Row 3 .*every value empty/,
    );
    expect(await stack.task(token, parent.importId)).toMatchObject({ outstandingRows: 4 });
    expect((await stack.task(token, parent.importId)).fixImportIds).toBeUndefined();

    const imported = await fix(token, parent.importId, [
      { rowNumber: 3, values: { Email: 'alan@example.com' } },
    ]);
    await stack.waitForTask(token, imported.importId);
    await refusal(
      [{ rowNumber: 3, values: {} }],
      409,
      new RegExp(`Row 3 was imported by fix ${imported.importId}`),
    );

    const { import: pending } = await stack
      .api(token)
      .createImport({ templateId: 'users', fileName: 'later.csv', fileSize: 10 });
    const ofPending = await stack.post(
      `/api/imports/${pending.importId}/fixes`,
      { rows: [{ rowNumber: 2, values: {} }] },
      token,
    );
    expect(ofPending.status).toBe(409);
    expect(ofPending.text).toContain('is still PENDING');
  });
});
