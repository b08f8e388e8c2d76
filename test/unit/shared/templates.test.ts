import type { z } from 'zod';
import {
  findTemplate,
  listTemplates,
  matchHeader,
  sampleCsv,
  validateRow,
} from '../../../lambdas/shared/templates';

const users = () => {
  const template = findTemplate('users');
  if (!template) throw new Error('users template missing');
  return template;
};

describe('users template', () => {
  it('accepts a valid row and normalises key, role and phone', () => {
    const outcome = validateRow(users(), {
      email: 'Ada@Example.COM',
      first_name: 'Ada',
      last_name: 'Lovelace',
      role: 'Manager',
      phone: '+1 (555) 123-4567',
      start_date: '2024-02-29',
    });

    expect(outcome).toEqual({
      ok: true,
      key: 'ada@example.com',
      record: {
        email: 'Ada@Example.COM',
        first_name: 'Ada',
        last_name: 'Lovelace',
        role: 'manager',
        phone: '+15551234567',
        start_date: '2024-02-29',
      },
    });
  });

  it('lists every problem of a row with its DESIGN §4 error type', () => {
    const outcome = validateRow(users(), {
      email: 'not-an-email',
      first_name: undefined,
      last_name: 'x'.repeat(101),
      role: 'boss',
      phone: '555-1234',
      start_date: '2023-02-30',
    });

    expect(outcome.ok).toBe(false);
    const problems = outcome.ok ? [] : outcome.problems.map((problem) => [problem.column, problem.errorType]);
    expect(problems).toEqual([
      ['email', 'INVALID_FORMAT'],
      ['first_name', 'REQUIRED'],
      ['last_name', 'TOO_LONG'],
      ['role', 'INVALID_VALUE'],
      ['phone', 'INVALID_FORMAT'],
      ['start_date', 'INVALID_VALUE'],
    ]);
  });

  it('reports a missing required choice as REQUIRED and a malformed date as INVALID_FORMAT', () => {
    const outcome = validateRow(users(), {
      email: 'a@b.co',
      first_name: 'A',
      last_name: 'B',
      role: undefined,
      start_date: '03/02/2023',
    });

    const problems = outcome.ok ? [] : outcome.problems.map((problem) => [problem.column, problem.errorType]);
    expect(problems).toEqual([
      ['role', 'REQUIRED'],
      ['start_date', 'INVALID_FORMAT'],
    ]);
  });

  it('rejects an email over 254 characters as TOO_LONG', () => {
    const outcome = validateRow(users(), {
      email: `${'a'.repeat(250)}@example.com`,
      first_name: 'A',
      last_name: 'B',
      role: 'member',
    });

    expect(outcome.ok ? [] : outcome.problems.map((problem) => problem.errorType)).toEqual(['TOO_LONG']);
  });
});

describe('header matching', () => {
  it('ignores case, spaces, hyphens and a BOM, and reports unknown and duplicated columns', () => {
    const match = matchHeader(users(), [
      '\uFEFFEmail ',
      'First Name',
      'last-name',
      'ROLE',
      'Notes',
      'e-mail',
      'email',
      'row_number',
    ]);

    expect(match.columnMap).toEqual(['email', 'first_name', 'last_name', 'role', null, null, 'email', null]);
    expect(match.missingRequired).toEqual([]);
    expect(match.unknown).toEqual(['Notes', 'e-mail']);
    expect(match.duplicated).toEqual([{ column: 'email', positions: [1, 7] }]);
  });

  it('names the missing required columns', () => {
    expect(matchHeader(users(), ['email', 'role']).missingRequired).toEqual(['first_name', 'last_name']);
  });
});

describe('template registry', () => {
  it('offers users (insert) and departments (upsert)', () => {
    expect(listTemplates().map((template) => [template.templateId, template.mode])).toEqual([
      ['users', 'insert'],
      ['departments', 'upsert'],
    ]);
  });

  it('builds a sample CSV whose example row passes its own template', () => {
    for (const template of listTemplates()) {
      const [header, example] = sampleCsv(template).trim().split('\r\n');
      expect(header?.split(',')).toEqual(template.columns.map((column) => column.name));
      const values = Object.fromEntries(template.columns.map((column) => [column.name, column.example]));
      expect(validateRow(template, values).ok).toBe(true);
      expect(example).toBeDefined();
    }
  });
});

describe('published columns', () => {
  it('says what each column takes, from the rules the template applies', () => {
    // Act
    const published = Object.fromEntries(
      listTemplates().map((template) => [
        template.templateId,
        template.columns.map((column) => [column.name, column.required, column.description]),
      ]),
    );

    // Assess
    expect(published).toEqual({
      users: [
        ['email', true, 'Email address, at most 254 characters; unique, compared case-insensitively.'],
        ['first_name', true, '1 to 100 characters.'],
        ['last_name', true, '1 to 100 characters.'],
        ['role', true, 'One of admin, manager, member (any case).'],
        ['phone', false, 'International E.164 number; spaces, dashes, dots and parentheses are ignored.'],
        ['department', false, 'At most 100 characters.'],
        ['start_date', false, 'Date in YYYY-MM-DD format.'],
      ],
      departments: [
        ['code', true, 'Up to 32 letters, digits, dashes or underscores; unique, any case.'],
        ['name', true, '1 to 100 characters.'],
        ['parent_code', false, 'Code of the parent department.'],
        ['manager_email', false, 'Email of the department manager.'],
        ['cost_center', false, 'At most 50 characters.'],
        ['budget', false, 'Non-negative amount with at most two decimals.'],
        ['active', false, 'yes or no (true/false, 1/0); blank means yes.'],
      ],
    });
  });

  it('marks a column required exactly when its rule refuses a blank cell', () => {
    for (const template of listTemplates()) {
      const shape = (template.rowSchema as z.ZodObject).shape;
      for (const column of template.columns) {
        const rule = shape[column.name] as z.ZodType;
        expect({ column: column.name, required: column.required }).toEqual({
          column: column.name,
          required: !rule.safeParse(undefined).success,
        });
      }
    }
  });
});
