import { parse } from 'csv-parse/sync';
import { cellValue } from '../../../lambdas/shared/csv-cells';
import type { RowError } from '../../../lambdas/shared/model';
import {
  exceptionLine,
  exceptionsHeaderLine,
  REPORT_BOM,
  RESULT_STATUS,
  resultLine,
  resultsHeaderLine,
} from '../../../lambdas/shared/reports';
import { matchHeader } from '../../../lambdas/shared/templates';
import { usersTemplate } from '../../../lambdas/shared/templates/users';

const HEADER = ['email', 'first_name', 'last_name', 'role', 'phone', 'department', 'start_date'];

const parseReport = (text: string): string[][] =>
  parse(text, { bom: true, relax_column_count: false, skip_empty_lines: false });

const rowError = (rowNumber: number, overrides: Partial<RowError> = {}): RowError => ({
  rowNumber,
  errorType: 'INVALID_VALUE',
  message: 'Role must be one of admin, manager, member',
  column: 'role',
  ...overrides,
});

/** Values a spreadsheet or a careless export can put in a cell. */
const NASTY_VALUES = [
  '=HYPERLINK("http://evil.test","click")',
  '+15551234567',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  'She said "hi", then left',
  'a,b;c',
  'first line\nsecond line',
  'windows\r\nline',
  '  padded both sides  ',
  'Zoë Ærøskøbing 日本語 😀',
  "'quoted but harmless",
  "'",
  "'=already neutralised",
  '',
  '"',
];

describe('exceptions report', () => {
  it('re-imports every nasty value as the importer first read it', () => {
    // Prepare: rows whose cells are the nasty values in every column position.
    const rows = NASTY_VALUES.map((_, offset) =>
      HEADER.map((_, column) => NASTY_VALUES[(offset + column) % NASTY_VALUES.length] ?? ''),
    );
    const report =
      REPORT_BOM +
      exceptionsHeaderLine(HEADER) +
      rows.map((cells, index) => exceptionLine(HEADER, cells, [rowError(index + 2)])).join('');

    // Act
    const [header, ...parsed] = parseReport(report);

    // Assess: the header is the file's own plus the three report columns, and every cell comes back.
    expect(header).toEqual([...HEADER, 'row_number', 'error_type', 'error_message']);
    expect(parsed).toHaveLength(rows.length);
    parsed.forEach((cells, index) => {
      const original = rows[index] ?? [];
      expect(cells.slice(0, HEADER.length).map((cell) => cellValue(cell, true))).toEqual(
        original.map((cell) => cellValue(cell, false)),
      );
      expect(cells.slice(HEADER.length)).toEqual([
        String(index + 2),
        'INVALID_VALUE',
        'Role must be one of admin, manager, member',
      ]);
    });
  });

  it('keeps +15551234567 intact through the trip and neutralises it in the file', () => {
    // Prepare
    const cells = ['ada@example.com', 'Ada', 'Lovelace', 'boss', '+15551234567', '', ''];

    // Act
    const line = exceptionLine(HEADER, cells, [rowError(7)]);
    const [parsed] = parseReport(line);

    // Assess
    expect(parsed?.[4]).toBe("'+15551234567");
    expect(cellValue(parsed?.[4] ?? '', true)).toBe('+15551234567');
  });

  it('never writes a cell a spreadsheet would run as a formula', () => {
    // Prepare
    const rows = NASTY_VALUES.map((value) => HEADER.map(() => value));

    // Act
    const parsed = parseReport(rows.map((cells) => exceptionLine(HEADER, cells, [rowError(2)])).join(''));

    // Assess
    for (const cell of parsed.flat()) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('puts several problems of one row on one line, each type once', () => {
    // Prepare
    const errors: RowError[] = [
      rowError(12, { errorType: 'REQUIRED', message: 'First name is required', column: 'first_name' }),
      rowError(12, { errorType: 'REQUIRED', message: 'Last name is required', column: 'last_name' }),
      rowError(12, { errorType: 'INVALID_FORMAT', message: 'Email is not a valid email address' }),
    ];

    // Act
    const parsed = parseReport(exceptionLine(HEADER, ['nope', '', '', 'member'], errors));

    // Assess
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toEqual([
      'nope',
      '',
      '',
      'member',
      '',
      '',
      '',
      '12',
      'REQUIRED; INVALID_FORMAT',
      'First name is required; Last name is required; Email is not a valid email address',
    ]);
  });

  it('pads a short row to the header width', async () => {
    // Act
    const [short] = parseReport(exceptionLine(['a', 'b', 'c'], ['1'], [rowError(3)]));

    // Assess
    expect(short).toEqual(['1', '', '', '3', 'INVALID_VALUE', 'Role must be one of admin, manager, member']);
  });

  it('keeps the surplus values of a long row instead of dropping data, but not trailing blanks', async () => {
    // Prepare: an unquoted "Smith, Jr" split one value in two; the file also has trailing commas.
    const cells = ['ada@example.com', 'Ada', 'Smith', ' Jr', 'member', '', ' '];
    const problem = rowError(4, {
      errorType: 'COLUMN_COUNT',
      message: 'Row has 5 values but the header has 4',
    });

    // Act
    const [long] = parseReport(exceptionLine(HEADER.slice(0, 4), cells, [problem]));

    // Assess
    expect(long).toEqual([
      'ada@example.com',
      'Ada',
      'Smith',
      'Jr',
      'member',
      '4',
      'COLUMN_COUNT',
      'Row has 5 values but the header has 4',
    ]);
  });

  it('drops the report columns of a re-uploaded exceptions file and appends fresh ones', () => {
    // Prepare: a fixed exceptions file as the admin uploads it again.
    const header = ['\uFEFFemail', 'role', 'Row Number', 'error_type', 'error_message'];
    const cells = ['ada@example.com', 'boss', '7', 'INVALID_VALUE', 'Role must be one of admin, manager'];

    // Act
    const [headerOut] = parseReport(exceptionsHeaderLine(header));
    const [line] = parseReport(exceptionLine(header, cells, [rowError(2, { message: 'Still wrong' })]));

    // Assess: the report matches the template again and carries only the new outcome.
    expect(headerOut).toEqual(['email', 'role', 'row_number', 'error_type', 'error_message']);
    expect(line).toEqual(['ada@example.com', 'boss', '2', 'INVALID_VALUE', 'Still wrong']);
    expect(matchHeader(usersTemplate, headerOut ?? []).columnMap).toEqual([
      'email',
      'role',
      null,
      null,
      null,
    ]);
  });

  it('refuses a line without any error', () => {
    // Act / Assess
    expect(() => exceptionLine(HEADER, ['a'], [])).toThrow(/at least one row error/);
  });
});

describe('result data report', () => {
  it('lists row number, status, reason and the neutralised key value', () => {
    // Prepare
    const report =
      REPORT_BOM +
      resultsHeaderLine('email') +
      resultLine(2, RESULT_STATUS.SUCCESS, '', 'ada@example.com') +
      resultLine(3, RESULT_STATUS.FAILED, 'Email is required; Role is required', '') +
      resultLine(4, RESULT_STATUS.FAILED, 'Email is not a valid email address', '=cmd|calc');

    // Act
    const parsed = parseReport(report);

    // Assess
    expect(report.startsWith('\uFEFFrow_number,status,reason,email\r\n')).toBe(true);
    expect(parsed).toEqual([
      ['row_number', 'status', 'reason', 'email'],
      ['2', 'SUCCESS', '', 'ada@example.com'],
      ['3', 'FAILED', 'Email is required; Role is required', ''],
      ['4', 'FAILED', 'Email is not a valid email address', "'=cmd|calc"],
    ]);
  });

  it('ends every line with CRLF so parts concatenate into one valid file', () => {
    // Act
    const lines = [resultLine(2, 'SUCCESS', '', 'a'), resultLine(3, 'FAILED', 'multi\nline', 'b')];

    // Assess
    for (const line of lines) expect(line.endsWith('\r\n')).toBe(true);
    expect(parseReport(lines.join(''))).toHaveLength(2);
  });
});
