import { matchColumns } from '../../lambdas/shared/mapping/match';
import { usersTemplate } from '../../lambdas/shared/templates/users';
import {
  ignoredHeaders,
  initialPreview,
  type PreviewState,
  previewColumns,
  previewProblems,
  readHead,
  readingOf,
} from '../src/wizard/file-preview';

/** The wizard's preview logic on files as a user picks them, with the API's own matcher for the match. */

const CRM = [
  'Record ID,First Name,Last Name,Email Address [Required],Phone Number,Hire Date',
  '1,Ada,Lovelace,ada@example.com,(415) 555-0100,03/04/2024',
  '2,Alan,Turing,alan@example.com,415-555-0101,12/25/2023',
  '3,Grace,Hopper,grace@example.com,+1 415 555 0102,01/13/2024',
  '',
].join('\r\n');

const previewOf = async (text: string | Uint8Array<ArrayBuffer>, locale = 'en-US'): Promise<PreviewState> => {
  const read = await readHead(new Blob([text]));
  if (!read.ok) throw new Error(read.reason);
  const match = matchColumns(usersTemplate, read.head.header, read.head.rows);
  return initialPreview(usersTemplate, read.head, match, locale);
};

describe('the wizard preview', () => {
  it('reads the head, suggests each column with three values as the import will store them', async () => {
    const state = await previewOf(CRM);

    const columns = previewColumns(usersTemplate, state);

    expect(state.head).toMatchObject({ encoding: 'utf-8', delimiter: ',' });
    expect(state.defaultCountry).toBe('US');
    expect(columns.find((column) => column.name === 'phone')).toMatchObject({
      source: 'Phone Number',
      found: 'matched',
      samples: [{ value: '+14155550100' }, { value: '+14155550101' }, { value: '+14155550102' }],
    });
    expect(columns.find((column) => column.name === 'start_date')?.samples).toEqual([
      { value: '2024-03-04' },
      { value: '2023-12-25' },
      { value: '2024-01-13' },
    ]);
    expect(ignoredHeaders(state)).toEqual(['Record ID']);
  });

  it('stops the upload until a missing required column gets a value its rule accepts', async () => {
    const state = await previewOf(CRM);

    const before = previewProblems(usersTemplate, state).blocking;
    state.constants.role = 'boss';
    const wrong = previewProblems(usersTemplate, state).blocking;
    state.constants.role = 'Member';
    const right = previewProblems(usersTemplate, state).blocking;

    expect(before).toEqual([
      'role is required: choose the header it reads, or give one value for every row.',
    ]);
    expect(wrong).toEqual(['mapping.role.value: "boss": Role must be one of admin, manager, member']);
    expect(right).toEqual([]);
    expect(previewColumns(usersTemplate, state).find((column) => column.name === 'role')?.samples).toEqual([
      { value: 'member' },
    ]);
    expect(readingOf(usersTemplate, state)).toEqual({
      mapping: {
        email: { source: 'Email Address [Required]' },
        first_name: { source: 'First Name' },
        last_name: { source: 'Last Name' },
        role: { value: 'Member' },
        phone: { source: 'Phone Number' },
        start_date: { source: 'Hire Date' },
      },
      defaultCountry: 'US',
    });
  });

  it('warns of dates the first rows read both ways, and shows them in the order chosen', async () => {
    const state = await previewOf(
      'email,first_name,last_name,role,start_date\na@x.io,A,B,member,03/04/2024\n',
    );

    const warnings = previewProblems(usersTemplate, state).warnings;
    const unchosen = previewColumns(usersTemplate, state).find(
      (column) => column.name === 'start_date',
    )?.samples;
    state.formats.start_date = 'DMY';

    expect(warnings).toEqual([
      'Start date: the first rows read month first or day first. Choose the order, or the import stops if the whole column reads both ways too.',
    ]);
    expect(unchosen).toEqual([
      { value: '03/04/2024', problem: 'could be 4 March 2024 or 3 April 2024: choose the date order below' },
    ]);
    expect(previewProblems(usersTemplate, state).warnings).toEqual([]);
    expect(
      previewColumns(usersTemplate, state).find((column) => column.name === 'start_date')?.samples,
    ).toEqual([{ value: '2024-04-03' }]);
    // A file in the template's own names needs no mapping: only the order chosen is sent.
    expect(readingOf(usersTemplate, state)).toEqual({ formats: { start_date: 'DMY' } });
  });

  it('shows the problem of a sample value beside it', async () => {
    const state = await previewOf('email,first_name,last_name,role,phone\nnot-an-email,A,B,member,555-01\n');

    const columns = previewColumns(usersTemplate, state);

    expect(columns.find((column) => column.name === 'email')?.samples).toEqual([
      { value: 'not-an-email', problem: 'Email is not a valid email address' },
    ]);
    expect(columns.find((column) => column.name === 'phone')?.samples[0]?.problem).toBe(
      'Phone 555-01 is not a valid phone number in US (numbers without a + country code are read as US numbers)',
    );
  });

  it('reads a Windows-1252 file with semicolons as validate-file does', async () => {
    const bytes = new Uint8Array([
      ...Buffer.from('email;first_name;last_name;role\r\nzoe@x.io;Zo', 'latin1'),
      0xeb,
      ...Buffer.from(';M;member\r\n', 'latin1'),
    ]);

    const state = await previewOf(bytes);

    expect(state.head).toMatchObject({ encoding: 'windows-1252', delimiter: ';' });
    expect(
      previewColumns(usersTemplate, state).find((column) => column.name === 'first_name')?.samples,
    ).toEqual([{ value: 'Zoë' }]);
  });
});
