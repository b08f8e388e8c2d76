import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import { mappingHeader } from '../../../lambdas/shared/mapping/saved';
import { mappingIdOf } from '../../../lambdas/shared/mapping/saved-id';
import type { TaskRecord } from '../../../lambdas/shared/model';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { createHarness, givenUpload, type Harness, storedTask } from './harness';

/**
 * Reading a file through a mapping (DESIGN §9) in both stages: the mapping, constants, date orders (given
 * or read from the whole column), national phone numbers, and the saved mappings emailed files use.
 */

const crlf = (lines: readonly string[]) => lines.map((line) => `${line}\r\n`).join('');

/** Validates, then processes every chunk sent (finalize, a stage of its own, is not run here). */
const run = async (harness: Harness, task: TaskRecord): Promise<TaskRecord> => {
  await validateFile(harness.validateDeps, task.objectKey);
  for (const message of harness.chunks.sent.filter((sent) => sent.importId === task.importId)) {
    await processChunk(harness.processDeps, message);
  }
  return storedTask(harness, task.importId);
};

const stored = (harness: Harness, email: string) => harness.records.records.get(`users#${email}`)?.data;

const CRM = crlf([
  'Record ID,First Name,Last Name,Email Address [Required],Phone Number,Hire Date',
  '1,Ada,Lovelace,ada@example.com,(415) 555-0100,03/18/2024',
  '2,Alan,Turing,alan@example.com,415.555.0101,12/01/2023',
]);
const CRM_MAPPING = {
  email: { source: 'Email Address [Required]' },
  first_name: { source: 'First Name' },
  last_name: { source: 'Last Name' },
  phone: { source: 'Phone Number' },
  start_date: { source: 'Hire Date' },
  role: { value: 'member' },
};

describe('validate-file and process-chunk through a mapping', () => {
  it('imports a CRM export with its mapping, a constant role, detected month-first dates and US numbers', async () => {
    const harness = createHarness();
    const task = await givenUpload(harness, CRM, { mapping: CRM_MAPPING, defaultCountry: 'US' });

    const ended = await run(harness, task);

    expect(ended).toMatchObject({ processedRows: 2, successCount: 2, errorCount: 0 });
    expect(ended.detected).toEqual({ encoding: 'utf-8', delimiter: ',', formats: { start_date: 'MDY' } });
    expect(ended.formats).toEqual({ start_date: 'MDY' });
    expect(ended.mapping).toEqual(CRM_MAPPING);
    expect(ended.defaultCountry).toBe('US');
    expect(stored(harness, 'ada@example.com')).toMatchObject({
      email: 'ada@example.com',
      first_name: 'Ada',
      role: 'member',
      phone: '+14155550100',
      start_date: '2024-03-18',
    });
    expect(stored(harness, 'alan@example.com')).toMatchObject({
      phone: '+14155550101',
      start_date: '2023-12-01',
    });
  });

  it('saves the mapping for the header, under its normalised names', async () => {
    const harness = createHarness();
    const task = await givenUpload(harness, CRM, {
      mapping: CRM_MAPPING,
      defaultCountry: 'US',
      createdBy: 'grace',
    });

    await run(harness, task);

    const names = mappingHeader(CRM.split('\r\n')[0]?.split(',') ?? []);
    expect(await harness.mappings.get('users', mappingIdOf(names))).toMatchObject({
      templateId: 'users',
      header: [
        'record_id',
        'first_name',
        'last_name',
        'email_address_[required]',
        'phone_number',
        'hire_date',
      ],
      mapping: CRM_MAPPING,
      defaultCountry: 'US',
      updatedBy: 'grace',
    });
  });

  it('refuses a column whose dates read both ways, saying how to choose, then imports it with the order given', async () => {
    const harness = createHarness();
    const file = crlf([
      'email,first_name,last_name,role,start_date',
      'a@x.io,A,B,member,03/04/2024',
      'b@x.io,C,D,member,05/06/2024',
    ]);
    const refused = await givenUpload(harness, file);

    const first = await run(harness, refused);
    const again = await run(harness, await givenUpload(harness, file, { formats: { start_date: 'DMY' } }));

    expect(first.status).toBe('VALIDATION_FAILED');
    expect(first.statusReason).toBe(
      'Start date: 03/04/2024 could be 4 March 2024 or 3 April 2024; choose month first or day first for the column\'s date order. Choose it in the console\'s preview, or create the import with formats.start_date set to "MDY" (month first) or "DMY" (day first)',
    );
    expect(first.detected?.formats).toEqual({ start_date: null });
    expect(again).toMatchObject({ successCount: 2, errorCount: 0 });
    expect(stored(harness, 'a@x.io')?.start_date).toBe('2024-04-03');
  });

  it('reports a date that does not fit the given order as a row error naming the order', async () => {
    const harness = createHarness();
    const file = crlf([
      'email,first_name,last_name,role,start_date',
      'a@x.io,A,B,member,04.03.2024',
      'b@x.io,C,D,member,03/13/2024',
    ]);
    const task = await givenUpload(harness, file, { formats: { start_date: 'DMY' } });

    const ended = await run(harness, task);

    expect(ended).toMatchObject({ successCount: 1, errorCount: 1 });
    expect((await harness.tasks.listRowErrors(task.importId, 10)).items).toEqual([
      {
        rowNumber: 3,
        errorType: 'INVALID_FORMAT',
        column: 'start_date',
        message: 'Start date 03/13/2024 is not a real date written day first (04.03.2024) or as YYYY-MM-DD',
      },
    ]);
  });

  it('refuses a mapping naming a header the file lacks, naming the column and the header', async () => {
    const harness = createHarness();
    const task = await givenUpload(harness, CRM, {
      mapping: { ...CRM_MAPPING, department: { source: 'Team' } },
    });

    const ended = await run(harness, task);

    expect(ended.status).toBe('VALIDATION_FAILED');
    expect(ended.statusReason).toBe(
      'The mapping reads department from "Team", but the file has no such column (its header: Record ID, First Name, Last Name, Email Address [Required], Phone Number, Hire Date)',
    );
  });

  it('reads a national number that is not valid in the country as a row error naming the country', async () => {
    const harness = createHarness();
    const file = crlf([
      'email,first_name,last_name,role,phone',
      'a@x.io,A,B,member,030 1234567',
      'b@x.io,C,D,member,555-01',
    ]);
    const task = await givenUpload(harness, file, { defaultCountry: 'DE' });

    const ended = await run(harness, task);

    expect(ended).toMatchObject({ successCount: 1, errorCount: 1 });
    expect(stored(harness, 'a@x.io')?.phone).toBe('+49301234567');
    expect((await harness.tasks.listRowErrors(task.importId, 10)).items[0]?.message).toBe(
      'Phone 555-01 is not a valid phone number in DE (numbers without a + country code are read as DE numbers)',
    );
  });
});

describe('an exceptions report of a mapped import', () => {
  it("finds its file's saved mapping: the report's own columns are not part of the header it is saved under", async () => {
    const harness = createHarness();
    await run(harness, await givenUpload(harness, CRM, { mapping: CRM_MAPPING, defaultCountry: 'US' }));
    const report = crlf([
      'Record ID,First Name,Last Name,Email Address [Required],Phone Number,Hire Date,row_number,error_type,error_message',
      '9,Edsger,Dijkstra,edsger@example.com,(415) 555-0109,01/13/2024,3,INVALID_FORMAT,fixed',
    ]);

    const ended = await run(
      harness,
      await givenUpload(harness, report, { source: 'email', emailKey: 'inbound/m2' }),
    );

    expect(mappingHeader(report.split('\r\n')[0]?.split(',') ?? [])).toEqual(
      mappingHeader(CRM.split('\r\n')[0]?.split(',') ?? []),
    );
    expect(ended).toMatchObject({ successCount: 1, errorCount: 0, mapping: CRM_MAPPING });
    expect(stored(harness, 'edsger@example.com')).toMatchObject({
      phone: '+14155550109',
      start_date: '2024-01-13',
    });
  });
});

describe('emailed files (DESIGN §9)', () => {
  const emailed = { source: 'email' as const, emailKey: 'inbound/m1' };

  it('uses the saved mapping of the header, with its orders and country', async () => {
    const harness = createHarness();
    await run(
      harness,
      await givenUpload(harness, CRM, {
        mapping: CRM_MAPPING,
        defaultCountry: 'US',
        formats: { start_date: 'MDY' },
      }),
    );
    const next = CRM.replace(/ada@/g, 'ada2@').replace(/alan@/g, 'alan2@');

    const ended = await run(harness, await givenUpload(harness, next, emailed));

    expect(ended).toMatchObject({
      successCount: 2,
      errorCount: 0,
      mapping: CRM_MAPPING,
      defaultCountry: 'US',
    });
    expect(stored(harness, 'ada2@example.com')).toMatchObject({ role: 'member', phone: '+14155550100' });
  });

  it('imports an unmapped file whose required columns match with confidence ≥ 0.9', async () => {
    const harness = createHarness();
    const file = crlf(['E-mail,Given Name,Surname,Access Level', 'a@x.io,Ada,Lovelace,admin']);

    const ended = await run(harness, await givenUpload(harness, file, emailed));

    expect(ended).toMatchObject({ successCount: 1, errorCount: 0 });
    expect(ended.mapping).toEqual({
      email: { source: 'E-mail' },
      first_name: { source: 'Given Name' },
      last_name: { source: 'Surname' },
      role: { source: 'Access Level' },
    });
  });

  it('refuses an unmapped file it cannot place with confidence, with its best guesses', async () => {
    const harness = createHarness();
    const file = crlf(['Contact,Given Name,Surname', 'a@x.io,Ada,Lovelace']);

    const ended = await run(harness, await givenUpload(harness, file, emailed));

    expect(ended.status).toBe('VALIDATION_FAILED');
    expect(ended.statusReason).toContain(
      'Could not place with confidence: email (best guess "Contact", 85% sure); role (no column of the file looks like it).',
    );
    expect(ended.statusReason).toContain('Placed: first_name ← "Given Name", last_name ← "Surname".');
  });
});
