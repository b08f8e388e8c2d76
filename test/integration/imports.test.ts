import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Imports end to end through the real stack, uploaded as the console uploads them: every final status,
 * every row error type, the reports, a re-import of a fixed exceptions file, and the upsert template.
 */

jest.setTimeout(180_000);

const USERS_HEADER = 'email,first_name,last_name,role,phone,department,start_date';

const csv = (...lines: string[]): string => lines.map((line) => `${line}\r\n`).join('');

let stack: LocalStack;
let admin: string;

beforeAll(async () => {
  stack = await LocalStack.start();
  admin = await stack.token('admin');
});

afterAll(async () => {
  await stack?.dispose();
});

const rowsOf = (text: string): Record<string, string>[] =>
  parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];

const errorsOf = async (importId: string) => {
  const result = await stack.get(`/api/imports/${importId}/errors?limit=1000`, admin);
  expect(result.status).toBe(200);
  return (result.body as { items: { rowNumber: number; errorType: string; column?: string }[] }).items;
};

const recordsOf = async (templateId: string) => {
  const records: { [column: string]: unknown }[] = [];
  let cursor: string | undefined;
  do {
    const page = await stack.get(
      `/api/templates/${templateId}/records?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      admin,
    );
    expect(page.status).toBe(200);
    const body = page.body as { items: { [column: string]: unknown }[]; nextCursor?: string | null };
    records.push(...body.items);
    cursor = body.nextCursor ?? undefined;
  } while (cursor);
  return records;
};

describe('users imports', () => {
  it('imports a clean file: COMPLETED, every row in the results and in the records', async () => {
    // Prepare
    const tag = uniqueTag();
    const content = csv(
      USERS_HEADER,
      `ada.${tag}@example.com,Ada,Lovelace,admin,+44 20 7946 0958,Engineering,1815-12-10`,
      `grace.${tag}@example.com,Grace,Hopper,Manager,,Navy,`,
      `"alan.${tag}@example.com","Alan","Turing","member","+1 (555) 010-0199","Bletchley, Park",1912-06-23`,
    );

    // Act
    const task = await stack.importFile(admin, { templateId: 'users', fileName: 'clean users.csv', content });
    const results = rowsOf(await stack.download(admin, task.importId, 'results'));
    const original = await stack.download(admin, task.importId, 'original');
    const records = await recordsOf('users');

    // Assess
    expect(task).toMatchObject({
      status: 'COMPLETED',
      fileName: 'clean users.csv',
      createdBy: 'admin',
      totalRows: 3,
      processedRows: 3,
      successCount: 3,
      errorCount: 0,
    });
    expect(results.map((row) => [row.row_number, row.status])).toEqual([
      ['2', 'SUCCESS'],
      ['3', 'SUCCESS'],
      ['4', 'SUCCESS'],
    ]);
    expect(original).toBe(content);
    const ada = records.find((record) => record.email === `ada.${tag}@example.com`);
    expect(ada).toMatchObject({ role: 'admin', phone: '+442079460958', department: 'Engineering' });
  });

  it('reports every row error type, keeps going, and ends PARTIAL_SUCCESS', async () => {
    // Prepare
    const tag = uniqueTag();
    await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'first.csv',
      content: csv(USERS_HEADER, `taken.${tag}@example.com,Taken,Already,member,,,`),
    });
    const content = csv(
      USERS_HEADER,
      `ok.${tag}@example.com,Ok,Row,member,,,`, // 2
      `required.${tag}@example.com,,Row,member,,,`, // 3 REQUIRED
      `not-an-email-${tag},Bad,Email,member,,,`, // 4 INVALID_FORMAT
      `value.${tag}@example.com,Bad,Role,boss,+15551234567,,`, // 5 INVALID_VALUE
      `long.${tag}@example.com,Long,${'x'.repeat(101)},member,,,`, // 6 TOO_LONG
      `count.${tag}@example.com,Too,Few`, // 7 COLUMN_COUNT
      `OK.${tag}@EXAMPLE.com,Dup,Row,member,,,`, // 8 DUPLICATE_IN_FILE
      `taken.${tag}@example.com,Taken,Again,member,,,`, // 9 ALREADY_EXISTS
    );

    // Act
    const task = await stack.importFile(admin, { templateId: 'users', fileName: 'mixed.csv', content });
    const errors = await errorsOf(task.importId);
    const exceptions = rowsOf(await stack.download(admin, task.importId, 'exceptions'));
    const results = rowsOf(await stack.download(admin, task.importId, 'results'));

    // Assess
    expect(task).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      totalRows: 8,
      processedRows: 8,
      successCount: 1,
      errorCount: 7,
    });
    expect(errors.map((error) => [error.rowNumber, error.errorType])).toEqual([
      [3, 'REQUIRED'],
      [4, 'INVALID_FORMAT'],
      [5, 'INVALID_VALUE'],
      [6, 'TOO_LONG'],
      [7, 'COLUMN_COUNT'],
      [8, 'DUPLICATE_IN_FILE'],
      [9, 'ALREADY_EXISTS'],
    ]);
    expect(exceptions.map((row) => [row.row_number, row.error_type])).toEqual(
      errors.map((error) => [String(error.rowNumber), error.errorType]),
    );
    expect(Object.keys(exceptions[0] ?? {})).toEqual([
      ...USERS_HEADER.split(','),
      'row_number',
      'error_type',
      'error_message',
    ]);
    expect(exceptions.every((row) => (row.error_message ?? '').length > 0)).toBe(true);
    expect(results.map((row) => [row.row_number, row.status])).toEqual([
      ['2', 'SUCCESS'],
      ...[3, 4, 5, 6, 7, 8, 9].map((row) => [String(row), 'FAILED']),
    ]);
  });

  it('re-imports a fixed exceptions file as is, formula-guarded values included', async () => {
    // Prepare
    const tag = uniqueTag();
    const failed = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'to-fix.csv',
      content: csv(
        USERS_HEADER,
        `phone.${tag}@example.com,Phone,Guarded,boss,+15551234567,=Sales,2024-02-30`,
        `name.${tag}@example.com,,Missing,member,-5,,`,
      ),
    });
    const exceptionsText = await stack.download(admin, failed.importId, 'exceptions');
    const exceptions = parse(exceptionsText, { bom: true }) as string[][];
    const [header = [], ...rows] = exceptions;
    const column = (name: string) => header.indexOf(name);
    // The admin fixes the flagged cells in a spreadsheet and saves the file as it is.
    const fixed = rows.map((row) => {
      const copy = [...row];
      if (copy[column('role')] === 'boss') copy[column('role')] = 'member';
      if (copy[column('start_date')] === '2024-02-30') copy[column('start_date')] = '2024-02-29';
      if (copy[column('first_name')] === '') copy[column('first_name')] = 'Named';
      if (copy[column('phone')] === "'-5") copy[column('phone')] = '';
      return copy;
    });

    // Act
    const reimported = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'to-fix-exceptions.csv',
      content: stringify([header, ...fixed], { record_delimiter: '\r\n' }),
    });
    const records = await recordsOf('users');

    // Assess
    expect(failed.status).toBe('FAILED');
    expect(reimported).toMatchObject({ status: 'COMPLETED', successCount: 2, errorCount: 0 });
    expect(reimported.warnings ?? []).toEqual([]);
    const phone = records.find((record) => record.email === `phone.${tag}@example.com`);
    expect(phone).toMatchObject({ phone: '+15551234567', department: '=Sales', start_date: '2024-02-29' });
    expect(records.find((record) => record.email === `name.${tag}@example.com`)).toMatchObject({
      first_name: 'Named',
    });
  });

  it('ends FAILED when no row can be committed', async () => {
    // Act
    const task = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'all-bad.csv',
      content: csv(USERS_HEADER, 'nope,A,B,member,,,', 'also-nope,A,B,member,,,'),
    });

    // Assess
    expect(task).toMatchObject({ status: 'FAILED', successCount: 0, errorCount: 2, processedRows: 2 });
  });

  it('ends NOTHING_TO_IMPORT for a header without data rows', async () => {
    // Act
    const task = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'empty.csv',
      content: csv(USERS_HEADER, '', ''),
    });

    // Assess
    expect(task).toMatchObject({ status: 'NOTHING_TO_IMPORT', successCount: 0, errorCount: 0 });
  });
});

describe('file validation', () => {
  it('refuses a file missing a required column, naming it', async () => {
    // Act
    const task = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'wrong-columns.csv',
      content: csv('email,first_name,role', 'a@example.com,A,member'),
    });

    // Assess
    expect(task.status).toBe('VALIDATION_FAILED');
    expect(task.statusReason).toContain('last_name');
    expect(task.successCount).toBe(0);
  });

  it('refuses a file that is not CSV', async () => {
    // Prepare: a PNG renamed to .csv.
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
      Buffer.from('IHDR'),
      Buffer.alloc(64, 0),
    ]);

    // Act
    const task = await stack.importFile(admin, { templateId: 'users', fileName: 'photo.csv', content: png });

    // Assess
    expect(task.status).toBe('VALIDATION_FAILED');
    expect(task.statusReason).toBeTruthy();
  });

  it('refuses a stored file whose size differs from the declared one', async () => {
    // Prepare
    const content = csv(USERS_HEADER, `size.${uniqueTag()}@example.com,A,B,member,,,`);

    // Act
    const task = await stack.importFile(admin, {
      templateId: 'users',
      fileName: 'short.csv',
      content,
      declaredSize: content.length + 100,
    });

    // Assess
    expect(task.status).toBe('VALIDATION_FAILED');
    expect(task.statusReason).toMatch(/size|bytes/i);
    expect(await recordsOf('users')).not.toContainEqual(
      expect.objectContaining({ first_name: 'A', last_name: 'B' }),
    );
  });
});

describe('departments (upsert)', () => {
  it('creates departments, then updates existing ones instead of failing them', async () => {
    // Prepare
    const tag = uniqueTag().toUpperCase();
    const header = 'code,name,parent_code,manager_email,cost_center,budget,active';
    await stack.importFile(admin, {
      templateId: 'departments',
      fileName: 'departments.csv',
      content: csv(header, `ENG-${tag},Engineering,,,CC-1,1000.50,yes`, `OPS-${tag},Operations,,,,,`),
    });

    // Act
    const update = await stack.importFile(admin, {
      templateId: 'departments',
      fileName: 'departments-update.csv',
      content: csv(header, `eng-${tag},Engineering & Platform,,,CC-2,2000,no`, `FIN-${tag},Finance,,,,,`),
    });
    const records = await recordsOf('departments');

    // Assess
    expect(update).toMatchObject({ status: 'COMPLETED', successCount: 2, errorCount: 0 });
    const eng = records.filter((record) => record.code === `ENG-${tag}`);
    expect(eng).toEqual([
      expect.objectContaining({
        name: 'Engineering & Platform',
        cost_center: 'CC-2',
        budget: 2000,
        active: false,
      }),
    ]);
    expect(records.map((record) => record.code)).toEqual(
      expect.arrayContaining([`ENG-${tag}`, `OPS-${tag}`, `FIN-${tag}`]),
    );
  });
});
