import type { FailedRow } from '../../client/schemas';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * `GET /api/imports/{id}/failed-rows` (DESIGN §10) on the real local stack: every failed row once, in row
 * order, across pages and chunks, with its values as the admin wrote them and each of its errors.
 */

jest.setTimeout(240_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await LocalStack.start({ env: { CHUNK_MAX_ROWS: '40' } });
});

afterAll(async () => {
  await stack?.dispose();
});

const signIn = async (): Promise<string> => stack.token('admin', `failed-${uniqueTag()}`);

const HEADER = 'Email,First Name,last_name,role,department';

/** 300 rows; every seventh has two problems, every eleventh a department a spreadsheet would run. */
const file = (): { text: string; failed: number[] } => {
  const failed: number[] = [];
  const rows = Array.from({ length: 300 }, (_, index) => {
    const rowNumber = index + 2;
    const department = rowNumber % 11 === 0 ? '=SUM(1;2)' : 'Sales, "North"';
    if (rowNumber % 7 === 0) {
      failed.push(rowNumber);
      return `user${index}@example,First${index},Last${index},owner,"${department.replaceAll('"', '""')}"`;
    }
    return `user${index}@example.com,First${index},Last${index},member,"${department.replaceAll('"', '""')}"`;
  });
  return { text: `${HEADER}\n${rows.join('\n')}\n`, failed };
};

const allPages = async (token: string, importId: string, limit: number) => {
  const rows: FailedRow[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await stack.api(token).listFailedRows(importId, limit, cursor);
    rows.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor);
  return { rows, pages };
};

describe('failed rows of an import', () => {
  it('lists every failed row once, in row order, with its values as written and all its errors', async () => {
    const token = await signIn();
    const { text, failed } = file();
    const task = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'people.csv',
      content: text,
      reading: { mapping: { email: { source: 'Email' }, first_name: { source: 'First Name' } } },
    });
    expect(task).toMatchObject({ status: 'PARTIAL_SUCCESS', errorCount: failed.length });

    const { rows, pages } = await allPages(token, task.importId, 5);
    expect(pages).toBe(Math.ceil(failed.length / 5));
    expect(rows.map((row) => row.rowNumber)).toEqual(failed);
    const row77 = rows.find((row) => row.rowNumber === 77);
    expect(row77).toEqual({
      rowNumber: 77,
      values: {
        Email: 'user75@example',
        'First Name': 'First75',
        last_name: 'Last75',
        role: 'owner',
        // As written in the file: the report's protection against formulas is not shown.
        department: '=SUM(1;2)',
      },
      errors: [
        { errorType: 'INVALID_FORMAT', message: expect.stringContaining('Email'), column: 'email' },
        { errorType: 'INVALID_VALUE', message: expect.stringContaining('Role'), column: 'role' },
      ],
    });
    expect(rows.find((row) => row.rowNumber === 7)?.values.department).toBe('Sales, "North"');

    // One page of all equals the pages together.
    const whole = await stack.api(token).listFailedRows(task.importId, 1000);
    expect(whole.items).toEqual(rows);
    expect(whole.nextCursor).toBeNull();
  });

  it('has none for a completed import, and says why for one still running or refused', async () => {
    const token = await signIn();
    const done = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'fine.csv',
      content: 'email,first_name,last_name,role\nada@example.com,Ada,Lovelace,admin\n',
    });
    expect((await stack.api(token).listFailedRows(done.importId, 10)).items).toEqual([]);

    const refused = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'bad.csv',
      content: 'name\nAda\n',
    });
    const ofRefused = await stack.get(`/api/imports/${refused.importId}/failed-rows`, token);
    expect(ofRefused.status).toBe(409);
    expect(ofRefused.text).toContain('did not pass validation');

    const { import: pending } = await stack
      .api(token)
      .createImport({ templateId: 'users', fileName: 'later.csv', fileSize: 10 });
    const ofPending = await stack.get(`/api/imports/${pending.importId}/failed-rows`, token);
    expect(ofPending.status).toBe(409);
    expect(ofPending.text).toContain('is still PENDING');

    const badLimit = await stack.get(`/api/imports/${done.importId}/failed-rows?limit=5000`, token);
    expect(badLimit.status).toBe(400);
  });
});
