import { AUTO_IMPORT_CONFIDENCE, headerWords, matchColumns } from '../../../../lambdas/shared/mapping/match';
import { departmentsTemplate } from '../../../../lambdas/shared/templates/departments';
import { usersTemplate } from '../../../../lambdas/shared/templates/users';

/**
 * The matcher on header rows of real exports (as each system writes them), with a few sample rows where
 * the values decide. `sources` is what a test reads: template column → file header (or null).
 */

const sources = (match: ReturnType<typeof matchColumns>): Record<string, string | null> =>
  Object.fromEntries(match.columns.map((column) => [column.name, column.source]));

const confidenceOf = (match: ReturnType<typeof matchColumns>, name: string): number =>
  match.columns.find((column) => column.name === name)?.confidence ?? -1;

describe('headerWords', () => {
  it.each([
    ['Email Address [Required]', 'email address'],
    ['firstName', 'first name'],
    ['User name [userPrincipalName] Required', 'user name'],
    ['\uFEFFE-mail', 'e mail'],
    ['Legal Name - First Name', 'legal name first name'],
    ['UPN', 'upn'],
    ['Phone (mobile)', 'phone'],
  ])('%j reads as %j', (cell, words) => {
    expect(headerWords(cell)).toBe(words);
  });
});

describe('matchColumns on identity-provider exports', () => {
  it('reads a Microsoft Entra ID bulk-create sheet (bracketed attribute names, Required marks)', () => {
    const header = [
      'Name [displayName] Required',
      'User name [userPrincipalName] Required',
      'Initial password [passwordProfile] Required',
      'Block sign in (Yes/No) [accountEnabled] Required',
      'First name [givenName]',
      'Last name [surname]',
      'Job title [jobTitle]',
      'Department [department]',
      'Usage location [usageLocation]',
      'Office phone [telephoneNumber]',
      'Mobile phone [mobile]',
    ];
    const rows = [
      [
        'Ada Lovelace',
        'ada@contoso.com',
        'x',
        'No',
        'Ada',
        'Lovelace',
        'Analyst',
        'Research',
        'GB',
        '+44 20 7946 0958',
        '',
      ],
      [
        'Alan Turing',
        'alan@contoso.com',
        'x',
        'No',
        'Alan',
        'Turing',
        'Engineer',
        'Research',
        'GB',
        '',
        '+44 7700 900123',
      ],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    expect(sources(match)).toEqual({
      email: 'User name [userPrincipalName] Required',
      first_name: 'First name [givenName]',
      last_name: 'Last name [surname]',
      role: null,
      phone: 'Office phone [telephoneNumber]',
      department: 'Department [department]',
      start_date: null,
    });
    expect(match.missingRequired).toEqual(['role']);
    expect(confidenceOf(match, 'email')).toBeGreaterThanOrEqual(AUTO_IMPORT_CONFIDENCE);
    expect(match.ignored).toContain('Mobile phone [mobile]');
  });

  it('reads a Google Workspace user sheet and passes over New Primary, Recovery and Manager emails', () => {
    const header = [
      'First Name [Required]',
      'Last Name [Required]',
      'Email Address [Required]',
      'Password [Required]',
      'Org Unit Path [Required]',
      'New Primary Email [UPLOAD ONLY]',
      'Recovery Email',
      'Home Secondary Email',
      'Recovery Phone [MUST BE IN THE E.164 FORMAT]',
      'Work Phone',
      'Mobile Phone',
      'Employee ID',
      'Manager Email',
      'Department',
    ];

    const match = matchColumns(usersTemplate, header);

    expect(sources(match)).toMatchObject({
      email: 'Email Address [Required]',
      first_name: 'First Name [Required]',
      last_name: 'Last Name [Required]',
      phone: 'Work Phone',
      department: 'Department',
    });
    expect(confidenceOf(match, 'email')).toBe(0.97);
  });

  it('reads an Okta user export: email over login when both hold addresses, camelCase split', () => {
    const header = [
      'login',
      'email',
      'secondEmail',
      'firstName',
      'lastName',
      'mobilePhone',
      'primaryPhone',
      'department',
      'created',
      'lastLogin',
    ];
    const rows = [
      [
        'ada@okta.example',
        'ada@okta.example',
        'ada@home.example',
        'Ada',
        'Lovelace',
        '+1 415 555 0100',
        '',
        'Research',
        '2021-03-04T10:00:00Z',
        '2024-01-01',
      ],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    expect(sources(match)).toEqual({
      email: 'email',
      first_name: 'firstName',
      last_name: 'lastName',
      role: null,
      phone: 'mobilePhone',
      department: 'department',
      start_date: null,
    });
  });
});

describe('matchColumns on CRM and HR exports', () => {
  it('reads a Salesforce contacts report and does not take CreatedDate for the start date', () => {
    const header = [
      'Id',
      'FirstName',
      'LastName',
      'Email',
      'Phone',
      'Title',
      'Department',
      'Birthdate',
      'CreatedDate',
      'LastModifiedDate',
    ];
    const rows = [
      [
        '0031x',
        'Ada',
        'Lovelace',
        'ada@acme.example',
        '(415) 555-0100',
        'CTO',
        'Research',
        '1990-12-10',
        '2020-01-02',
        '2024-02-03',
      ],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    expect(sources(match)).toMatchObject({
      email: 'Email',
      phone: 'Phone',
      department: 'Department',
      start_date: null,
    });
  });

  it('reads a HubSpot contacts export: Create Date is not a start date', () => {
    const header = [
      'Record ID',
      'First Name',
      'Last Name',
      'Email',
      'Phone Number',
      'Job Title',
      'Create Date',
      'Last Activity Date',
      'Contact owner',
    ];

    const match = matchColumns(usersTemplate, header);

    expect(sources(match)).toMatchObject({
      email: 'Email',
      first_name: 'First Name',
      last_name: 'Last Name',
      phone: 'Phone Number',
      start_date: null,
    });
    expect(match.ignored).toEqual([
      'Record ID',
      'Job Title',
      'Create Date',
      'Last Activity Date',
      'Contact owner',
    ]);
  });

  it('reads a BambooHR employee report: Work Email over Home Email, Hire Date as the start date', () => {
    const header = [
      'Employee #',
      'First Name',
      'Last Name',
      'Home Email',
      'Work Email',
      'Work Phone',
      'Hire Date',
      'Department',
      'Supervisor',
    ];
    const rows = [
      [
        '12',
        'Ada',
        'Lovelace',
        'ada@home.example',
        'ada@corp.example',
        '415-555-0100',
        '03/18/2024',
        'Research',
        'Grace Hopper',
      ],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    expect(sources(match)).toMatchObject({
      email: 'Work Email',
      phone: 'Work Phone',
      start_date: 'Hire Date',
    });
    expect(match.formats.start_date).toEqual({ format: 'MDY', candidates: ['MDY'] });
  });

  it('reads a Workday worker report with qualified names', () => {
    const header = [
      'Worker',
      'Legal Name - First Name',
      'Legal Name - Last Name',
      'Email - Work',
      'Phone - Work',
      'Hire Date',
      'Supervisory Organization',
    ];

    const match = matchColumns(usersTemplate, header);

    expect(sources(match)).toMatchObject({
      email: 'Email - Work',
      first_name: 'Legal Name - First Name',
      last_name: 'Legal Name - Last Name',
      phone: 'Phone - Work',
      start_date: 'Hire Date',
    });
  });

  it('reads a kept-for-years spreadsheet with typos and its own words', () => {
    const header = ['E-mail', 'Frist Name', 'Surname', 'Access level', 'Tel', 'Team', 'Joined'];

    const match = matchColumns(usersTemplate, header);

    expect(sources(match)).toEqual({
      email: 'E-mail',
      first_name: 'Frist Name',
      last_name: 'Surname',
      role: 'Access level',
      phone: 'Tel',
      department: 'Team',
      start_date: 'Joined',
    });
  });
});

describe('matchColumns by values', () => {
  it('does not take a login of user names for the email column', () => {
    const header = ['Login', 'Given Name', 'Surname', 'Contact'];
    const rows = [
      ['alovelace', 'Ada', 'Lovelace', 'ada@example.com'],
      ['aturing', 'Alan', 'Turing', 'alan@example.com'],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    // A column of addresses is the email column whatever its header says, but not sure enough to import unattended.
    expect(sources(match).email).toBe('Contact');
    expect(confidenceOf(match, 'email')).toBeLessThan(AUTO_IMPORT_CONFIDENCE);
    expect(match.ignored).toContain('Login');
  });

  it('finds the role column by its values and the date order from the sample', () => {
    const header = ['Email', 'First', 'Last', 'Type', 'Start'];
    const rows = [
      ['a@x.io', 'A', 'B', 'Admin', '13.01.2024'],
      ['b@x.io', 'C', 'D', 'member', '04.03.2024'],
    ];

    const match = matchColumns(usersTemplate, header, rows);

    expect(sources(match).role).toBe('Type');
    expect(match.formats.start_date).toEqual({ format: 'DMY', candidates: ['DMY'] });
  });

  it('leaves the order open when the sample reads both ways', () => {
    const match = matchColumns(usersTemplate, ['email', 'start_date'], [['a@x.io', '03/04/2024']]);

    expect(match.formats.start_date).toEqual({ format: null, candidates: ['MDY', 'DMY'] });
  });

  it('gives each header to one column at most, the best assignment overall', () => {
    // `Name` could be first or last name; `Given` is first name; so `Name` is left for last name.
    const match = matchColumns(usersTemplate, ['Given', 'Name', 'Email'], []);

    const used = match.columns.map((column) => column.source).filter((source) => source !== null);
    expect(new Set(used).size).toBe(used.length);
  });

  it('puts a saved mapping first, with confidence 1', () => {
    const match = matchColumns(usersTemplate, ['Mail', 'Vorname', 'Nachname'], [], {
      sources: { email: 'Mail', first_name: 'Vorname', last_name: 'Nachname' },
    });

    expect(match.columns.slice(0, 3)).toEqual([
      { name: 'email', source: 'Mail', confidence: 1, saved: true },
      { name: 'first_name', source: 'Vorname', confidence: 1, saved: true },
      { name: 'last_name', source: 'Nachname', confidence: 1, saved: true },
    ]);
  });

  it('matches another template by its own synonyms', () => {
    const match = matchColumns(
      departmentsTemplate,
      ['Dept Code', 'Department Name', 'Parent', 'Manager', 'Cost Centre'],
      [['ENG', 'Engineering', '', 'grace@example.com', 'CC-1']],
    );

    expect(sources(match)).toMatchObject({
      code: 'Dept Code',
      name: 'Department Name',
      parent_code: 'Parent',
      manager_email: 'Manager',
      cost_center: 'Cost Centre',
    });
  });
});
