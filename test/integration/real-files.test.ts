import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { MatchAnswer } from '../../client/schemas';
import { isFinalStatus, type Task, taskSchema } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Real files fit (DESIGN §9) on the real local stack, through the public API only: exports of other
 * systems imported with the mapping `…/match` suggests, CSVs LibreOffice and Gnumeric wrote with their own
 * date formats (`test/fixtures/spreadsheets`, made by its `make.sh`), an ambiguous date column refused and
 * then imported with the order chosen, and an emailed file read with the mapping its header was saved with.
 */

jest.setTimeout(240_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await LocalStack.start();
});

afterAll(async () => {
  await stack?.dispose();
});

const SPREADSHEETS = join(__dirname, '..', 'fixtures', 'spreadsheets');
const fixture = (name: string): string => readFileSync(join(SPREADSHEETS, name), 'utf8');

/** Each test in an account of its own, so the same addresses import in each. */
const signIn = async (): Promise<string> => stack.token('admin', `fit-${uniqueTag()}`);

const recordsOf = async (token: string): Promise<Record<string, unknown>[]> => {
  const page = await stack.get('/api/templates/users/records?limit=1000', token);
  expect(page.status).toBe(200);
  return (page.body as { items: Record<string, unknown>[] }).items.sort((a, b) =>
    String(a.email).localeCompare(String(b.email)),
  );
};

/** The header and rows of a CSV, as the console reads them before asking for a match. */
const headAndRows = (text: string): { header: string[]; rows: string[][] } => {
  const [header = [], ...rows] = parse(text, { bom: true, relax_column_count: true }) as string[][];
  return { header, rows };
};

const match = async (token: string, text: string): Promise<MatchAnswer> => {
  const { header, rows } = headAndRows(text);
  return stack.api(token).matchColumns('users', header, rows.slice(0, 100));
};

/** The mapping a user accepts in the preview: every suggested column, plus one value for what is missing. */
const accepted = (answer: MatchAnswer, constants: Record<string, string> = {}) => ({
  ...Object.fromEntries(
    answer.columns.flatMap((column) =>
      column.source === null ? [] : [[column.name, { source: column.source }]],
    ),
  ),
  ...Object.fromEntries(Object.entries(constants).map(([column, value]) => [column, { value }])),
});

const SPREADSHEET_RECORDS = [
  { email: 'ada@example.com', start_date: '2024-03-04', phone: '+14155550100' },
  { email: 'alan@example.com', start_date: '2023-12-25', phone: '+14155550101' },
  { email: 'grace@example.com', start_date: '2024-01-13', phone: '+14155550102' },
];

describe('CSVs saved by spreadsheet programs, with their own date formats', () => {
  it.each([
    ['libreoffice-us.csv', 'MDY', '03/04/2024'],
    ['libreoffice-de.csv', 'DMY', '04.03.2024'],
    ['gnumeric.csv', 'YMD', '2024/03/04'],
  ])(
    '%s: the order read from the whole column, COMPLETED with ISO dates and E.164 numbers',
    async (file, order, written) => {
      // Prepare
      const token = await signIn();
      const content = fixture(file);
      expect(content).toContain(written);

      // Act
      const task = await stack.importFile(token, {
        templateId: 'users',
        fileName: file,
        content,
        reading: { defaultCountry: 'US' },
      });

      // Assess
      expect(task).toMatchObject({ status: 'COMPLETED', successCount: 3, errorCount: 0 });
      expect(task.detected).toEqual({ encoding: 'utf-8', delimiter: ',', formats: { start_date: order } });
      expect(task.formats).toEqual({ start_date: order });
      expect(task.defaultCountry).toBe('US');
      expect(await recordsOf(token)).toEqual(
        SPREADSHEET_RECORDS.map((record) => expect.objectContaining(record)),
      );
    },
  );

  it('refuses a column that reads both ways, then imports it with the order chosen', async () => {
    // Prepare: LibreOffice's US export without the rows whose day is past the 12th.
    const token = await signIn();
    const lines = fixture('libreoffice-us.csv').split(/\r?\n/);
    const content = [lines[0], lines[1], lines[3]?.replace('01/13/2024', '01/12/2024'), ''].join('\n');

    // Act
    const refused = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'ambiguous.csv',
      content,
    });
    const chosen = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'ambiguous.csv',
      content,
      reading: { formats: { start_date: 'MDY' }, defaultCountry: 'US' },
    });

    // Assess
    expect(refused.status).toBe('VALIDATION_FAILED');
    expect(refused.statusReason).toContain('Start date: 03/04/2024 could be 4 March 2024 or 3 April 2024');
    expect(refused.statusReason).toContain('formats.start_date');
    expect(chosen).toMatchObject({ status: 'COMPLETED', successCount: 2, formats: { start_date: 'MDY' } });
    expect((await recordsOf(token)).map((record) => record.start_date)).toEqual(['2024-03-04', '2024-01-12']);
  });
});

/** Exports as the systems write their headers (bracketed notes, camelCase, their own words), three rows each. */
const EXPORTS: [system: string, content: string, constants: Record<string, string>][] = [
  [
    'Google Workspace users',
    [
      'First Name [Required],Last Name [Required],Email Address [Required],Password [Required],Org Unit Path [Required],New Primary Email [UPLOAD ONLY],Recovery Email,Work Phone,Manager Email,Department',
      'Ada,Lovelace,ada@example.com,x,/,,ada@home.example,(415) 555-0100,grace@example.com,Research',
      'Alan,Turing,alan@example.com,x,/,,alan@home.example,415-555-0101,grace@example.com,Research',
      'Grace,Hopper,grace@example.com,x,/,,,+1 415 555 0102,,Navy',
    ].join('\n'),
    { role: 'member' },
  ],
  [
    'Microsoft Entra ID bulk create',
    [
      'Name [displayName] Required,User name [userPrincipalName] Required,Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,First name [givenName],Last name [surname],Job title [jobTitle],Department [department],Office phone [telephoneNumber]',
      'Ada Lovelace,ada@example.com,x,No,Ada,Lovelace,Analyst,Research,(415) 555-0100',
      'Alan Turing,alan@example.com,x,No,Alan,Turing,Engineer,Research,415-555-0101',
      'Grace Hopper,grace@example.com,x,No,Grace,Hopper,Admiral,Navy,+1 415 555 0102',
    ].join('\n'),
    { role: 'member' },
  ],
  [
    'Okta users',
    [
      'login,email,secondEmail,firstName,lastName,mobilePhone,department,created',
      'ada@example.com,ada@example.com,ada@home.example,Ada,Lovelace,(415) 555-0100,Research,2021-03-04T10:00:00.000Z',
      'alan@example.com,alan@example.com,,Alan,Turing,415-555-0101,Research,2021-03-05T10:00:00.000Z',
      'grace@example.com,grace@example.com,,Grace,Hopper,+1 415 555 0102,Navy,2021-03-06T10:00:00.000Z',
    ].join('\n'),
    { role: 'member' },
  ],
  [
    'HubSpot contacts',
    [
      'Record ID,First Name,Last Name,Email,Phone Number,Job Title,Create Date,Lifecycle Stage',
      '101,Ada,Lovelace,ada@example.com,(415) 555-0100,Analyst,2024-01-02 10:00,lead',
      '102,Alan,Turing,alan@example.com,415-555-0101,Engineer,2024-01-03 10:00,lead',
      '103,Grace,Hopper,grace@example.com,+1 415 555 0102,Admiral,2024-01-04 10:00,customer',
    ].join('\n'),
    { role: 'member' },
  ],
  [
    'BambooHR employees',
    [
      'Employee #,First Name,Last Name,Home Email,Work Email,Work Phone,Hire Date,Department,Access Level',
      '1,Ada,Lovelace,ada@home.example,ada@example.com,(415) 555-0100,03/04/2024,Research,member',
      '2,Alan,Turing,,alan@example.com,415-555-0101,12/25/2023,Research,member',
      '3,Grace,Hopper,,grace@example.com,+1 415 555 0102,01/13/2024,Navy,member',
    ].join('\n'),
    {},
  ],
];

describe('exports of other systems, imported with the suggested mapping', () => {
  it.each(EXPORTS)('%s', async (_system, content, constants) => {
    // Prepare
    const token = await signIn();
    const answer = await match(token, content);
    const mapping = accepted(answer, constants);

    // Act
    const task = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'export.csv',
      content,
      reading: { mapping, defaultCountry: 'US' },
    });

    // Assess: every row in, the right column in each field, the trap columns left alone.
    expect(answer.missingRequired).toEqual(Object.keys(constants));
    expect(task).toMatchObject({ status: 'COMPLETED', successCount: 3, errorCount: 0, mapping });
    const records = await recordsOf(token);
    expect(records).toEqual([
      expect.objectContaining({
        email: 'ada@example.com',
        first_name: 'Ada',
        last_name: 'Lovelace',
        role: 'member',
        phone: '+14155550100',
      }),
      expect.objectContaining({
        email: 'alan@example.com',
        first_name: 'Alan',
        last_name: 'Turing',
        phone: '+14155550101',
      }),
      expect.objectContaining({
        email: 'grace@example.com',
        first_name: 'Grace',
        last_name: 'Hopper',
        phone: '+14155550102',
      }),
    ]);
  });

  it('saves the mapping: listed for the template, used by the next match, deletable', async () => {
    // Prepare
    const token = await signIn();
    const [, content = '', constants = {}] = EXPORTS[3] ?? [];
    const mapping = accepted(await match(token, content), constants);
    await stack.importFile(token, {
      templateId: 'users',
      fileName: 'hubspot.csv',
      content,
      reading: { mapping },
    });

    // Act
    const listed = await stack.api(token).listMappings('users');
    const again = await match(token, content);
    const [saved] = listed;
    if (!saved) throw new Error('no mapping was saved');
    await stack.api(token).deleteMapping('users', saved.mappingId);
    const afterDelete = await stack.api(token).listMappings('users');

    // Assess
    expect(listed).toEqual([
      expect.objectContaining({
        header: [
          'record_id',
          'first_name',
          'last_name',
          'email',
          'phone_number',
          'job_title',
          'create_date',
          'lifecycle_stage',
        ],
        mapping,
        updatedBy: 'admin',
      }),
    ]);
    expect(again.columns.filter((column) => column.saved).map((column) => column.name)).toEqual(
      Object.keys(mapping).filter((column) => 'source' in (mapping[column] ?? {})),
    );
    expect(again.savedMapping?.mapping).toEqual(mapping);
    expect(afterDelete).toEqual([]);
  });

  it('refuses at create what the mapping gets wrong, naming the column and the value', async () => {
    const token = await signIn();

    const result = await stack.post(
      '/api/imports',
      {
        templateId: 'users',
        fileName: 'x.csv',
        fileSize: 10,
        mapping: { role: { value: 'boss' }, first_name: { source: 'Name' }, last_name: { source: 'Name' } },
        formats: { start_date: 'DD.MM' },
        defaultCountry: 'ZZ',
      },
      token,
    );

    expect(result.status).toBe(400);
    const { message } = z.object({ error: z.object({ message: z.string() }) }).parse(result.body).error;
    expect(message).toContain('mapping.role.value: "boss": Role must be one of admin, manager, member');
    expect(message).toContain('first_name and last_name both read the header "Name"');
    expect(message).toContain('formats.start_date: "DD.MM" is not a date order');
    expect(message).toContain('defaultCountry: "ZZ" is not a country code');
  });
});

describe('emailed files', () => {
  const tasksFrom = async (token: string, subject: string, count: number): Promise<Task[]> => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const page = await stack.get('/api/imports?limit=100', token);
      const items = z.object({ items: z.array(taskSchema) }).parse(page.body).items;
      const found = items.filter((task) => task.email?.subject === subject);
      if (found.length === count && found.every((task) => isFinalStatus(task.status)))
        return Promise.all(found.map((task) => stack.task(token, task.importId)));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`The tasks of "${subject}" did not end`);
  };

  it('reads an emailed file with the mapping saved for its header, and refuses one no mapping fits', async () => {
    // Prepare: an account with an import address, and one import from the console that saved a mapping.
    const tag = uniqueTag();
    const token = await stack.token('admin', `fit-${tag}`);
    await stack.saveEmailSettings(token, {
      enabled: true,
      addresses: [{ address: `fit-${tag}@imports.localhost`, templateId: 'users' }],
      allowedSenders: ['*@example.com'],
      replyToSender: true,
    });
    const [, first = '', constants = {}] = EXPORTS[0] ?? [];
    const mapping = accepted(await match(token, first), constants);
    await stack.importFile(token, {
      templateId: 'users',
      fileName: 'workspace.csv',
      content: first,
      reading: { mapping, defaultCountry: 'US' },
    });
    const next = first
      .replace(/ada@example/g, 'ada.lovelace@example')
      .replace(/alan@example/g, 'alan.turing@example');
    const stranger = 'Contact,Given,Family\nnew@example.com,New,Person\n';

    // Act
    await stack.sendMail({
      from: 'alice@example.com',
      to: `fit-${tag}@imports.localhost`,
      subject: `weekly ${tag}`,
      text: 'Two files',
      attachments: [
        { filename: 'workspace-week2.csv', content: next },
        { filename: 'unknown.csv', content: stranger },
      ],
    });
    const tasks = await tasksFrom(token, `weekly ${tag}`, 2);

    // Assess
    const byName = Object.fromEntries(tasks.map((task) => [task.fileName, task]));
    expect(byName['workspace-week2.csv']).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      successCount: 2,
      errorCount: 1,
      mapping,
      defaultCountry: 'US',
    });
    expect(byName['unknown.csv']?.status).toBe('VALIDATION_FAILED');
    expect(byName['unknown.csv']?.statusReason).toContain(
      'Could not place with confidence: email (best guess "Contact"',
    );
    expect((await recordsOf(token)).map((record) => record.email)).toEqual([
      'ada.lovelace@example.com',
      'ada@example.com',
      'alan.turing@example.com',
      'alan@example.com',
      'grace@example.com',
    ]);
  });
});
