import type { Task } from '../../../lambdas/shared/model';
import {
  checkImport,
  expectedStatus,
  type RecordOwner,
  readResultStatuses,
} from '../../../scripts/chaos-check';
import type { RowExpectation } from '../../../scripts/chaos-data';

const ME = 'import-me';
const OTHER = 'import-other';

/** Rows 2..5: a valid row, an invalid one, a shared valid row, another valid row. */
const expected: RowExpectation[] = [
  { kind: 'valid', key: 'a@x.example', shared: false },
  { kind: 'invalid', errorType: 'INVALID_FORMAT' },
  { kind: 'valid', key: 'race@x.example', shared: true },
  { kind: 'valid', key: 'b@x.example', shared: false },
];
const file = { rows: expected.length, expected };

const aTask = (overrides: Partial<Task> = {}): Task => ({
  importId: ME,
  templateId: 'users',
  fileName: 'f.csv',
  source: 'upload',
  status: 'PARTIAL_SUCCESS',
  createdBy: 'admin',
  createdAt: '2025-01-01T00:00:00.000Z',
  totalRows: 4,
  processedRows: 4,
  successCount: 2,
  errorCount: 2,
  ...overrides,
});

const owners = (raceOwner: RecordOwner): Map<string, RecordOwner> =>
  new Map([
    ['a@x.example', { importId: ME, rowNumber: 2 }],
    ['race@x.example', raceOwner],
    ['b@x.example', { importId: ME, rowNumber: 5 }],
  ]);

const results = (statuses: string[]) => new Map(statuses.map((status, index) => [index + 2, status]));

/** This import lost the race for row 4 to another import. */
const lostRace = {
  task: aTask(),
  errors: [
    { rowNumber: 3, errorType: 'INVALID_FORMAT' },
    { rowNumber: 4, errorType: 'ALREADY_EXISTS' },
  ],
  results: results(['SUCCESS', 'FAILED', 'FAILED', 'SUCCESS']),
};
const raceRule = (_key: string, shared: boolean) => (shared ? ('race' as const) : ('success' as const));

describe('checkImport', () => {
  it('finds nothing wrong with an exact import that lost a race', () => {
    // Act
    const verdict = checkImport(file, lostRace, owners({ importId: OTHER, rowNumber: 9 }), 2, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([]);
  });

  it('finds nothing wrong with an exact import that won a race', () => {
    // Prepare
    const won = {
      task: aTask({ successCount: 3, errorCount: 1 }),
      errors: [{ rowNumber: 3, errorType: 'INVALID_FORMAT' }],
      results: results(['SUCCESS', 'FAILED', 'SUCCESS', 'SUCCESS']),
    };

    // Act
    const verdict = checkImport(file, won, owners({ importId: ME, rowNumber: 4 }), 3, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([]);
  });

  it('names a row counted as a success whose key nobody committed', () => {
    // Prepare
    const store = owners({ importId: OTHER, rowNumber: 9 });
    store.delete('b@x.example');

    // Act
    const verdict = checkImport(file, lostRace, store, 1, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([
      'row 5: b@x.example is owned by nobody, not this row',
      'records committed by this import is 1, expected 2',
    ]);
  });

  it('names a refused row when no import committed its key (a race nobody won)', () => {
    // Prepare
    const store = owners({ importId: OTHER, rowNumber: 9 });
    store.delete('race@x.example');

    // Act
    const verdict = checkImport(file, lostRace, store, 2, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual(['row 4: race@x.example was refused but no import committed it']);
  });

  it('names a wrong error type, a missing error and an error on a row the file does not have', () => {
    // Prepare
    const observed = {
      ...lostRace,
      errors: [
        { rowNumber: 3, errorType: 'REQUIRED' },
        { rowNumber: 40, errorType: 'SYSTEM' },
      ],
    };

    // Act
    const verdict = checkImport(file, observed, owners({ importId: OTHER, rowNumber: 9 }), 2, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([
      'row 3: errors [REQUIRED], expected [INVALID_FORMAT]',
      'row 4: errors [], expected [ALREADY_EXISTS]',
      'row 40: errors [SYSTEM] for a row the file does not have',
    ]);
  });

  it('names counts and a status that do not add up, and records beyond the successes', () => {
    // Prepare
    const observed = { ...lostRace, task: aTask({ successCount: 3, processedRows: 5, status: 'COMPLETED' }) };

    // Act
    const verdict = checkImport(file, observed, owners({ importId: OTHER, rowNumber: 9 }), 3, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([
      'processedRows is 5, expected 4',
      'successCount is 3, expected 2',
      'records committed by this import is 3, expected 2',
      'status is COMPLETED, expected PARTIAL_SUCCESS',
    ]);
  });

  it('names a results report that disagrees, misses a row or repeats one', () => {
    // Prepare
    const observed = {
      ...lostRace,
      results: new Map([
        [2, 'SUCCESS'],
        [3, 'SUCCESS'],
        [4, 'FAILED'],
      ]),
      repeatedResultRows: [2],
    };

    // Act
    const verdict = checkImport(file, observed, owners({ importId: OTHER, rowNumber: 9 }), 2, raceRule);

    // Assess
    expect(verdict.mismatches).toEqual([
      'row 3: results report says SUCCESS, expected FAILED',
      'row 5: results report says nothing, expected SUCCESS',
      'results report has 3 rows, the file 4',
      'results report repeats rows 2',
    ]);
  });

  it('wants a check to pass every valid row and commit none of them', () => {
    // Prepare
    const check = {
      task: aTask({ dryRun: true, successCount: 3, errorCount: 1 }),
      errors: [{ rowNumber: 3, errorType: 'INVALID_FORMAT' }],
      results: results(['SUCCESS', 'FAILED', 'SUCCESS', 'SUCCESS']),
    };
    const checkRule = () => 'check' as const;

    // Act
    const clean = checkImport(file, check, new Map(), 0, checkRule);
    const wrote = checkImport(file, check, owners({ importId: ME, rowNumber: 4 }), 3, checkRule);

    // Assess
    expect(clean.mismatches).toEqual([]);
    expect(wrote.mismatches).toEqual([
      'row 2: a@x.example was committed by this check',
      'row 4: race@x.example was committed by this check',
      'row 5: b@x.example was committed by this check',
      'records committed by this import is 3, expected 0',
    ]);
  });

  it('wants each valid row of a cancelled import committed, or a SYSTEM error and not committed', () => {
    // Prepare: rows 2 and 4 committed before the cancel, row 5 cancelled.
    const cancelled = {
      task: aTask({ cancelledBy: 'admin', successCount: 2, errorCount: 2 }),
      errors: [
        { rowNumber: 3, errorType: 'INVALID_FORMAT' },
        { rowNumber: 5, errorType: 'SYSTEM' },
      ],
      results: results(['SUCCESS', 'FAILED', 'SUCCESS', 'FAILED']),
    };
    const committed = new Map([
      ['a@x.example', { importId: ME, rowNumber: 2 }],
      ['race@x.example', { importId: ME, rowNumber: 4 }],
    ]);
    const cancelRule = () => 'cancel' as const;

    // Act
    const exact = checkImport(file, cancelled, committed, 2, cancelRule);
    const leaked = checkImport(
      file,
      cancelled,
      new Map([...committed, ['b@x.example', { importId: ME, rowNumber: 5 }]]),
      3,
      cancelRule,
    );

    // Assess
    expect(exact.mismatches).toEqual([]);
    expect(leaked.mismatches).toEqual([
      'row 5: errors [SYSTEM], expected none',
      'row 5: results report says FAILED, expected SUCCESS',
      'successCount is 2, expected 3',
      'errorCount is 2, expected 1',
    ]);
  });

  it('wants every valid row ALREADY_EXISTS on a re-import, owned by the first import', () => {
    // Prepare
    const again = {
      task: aTask({ importId: 'import-again', status: 'FAILED', successCount: 0, errorCount: 4 }),
      errors: [
        { rowNumber: 2, errorType: 'ALREADY_EXISTS' },
        { rowNumber: 3, errorType: 'INVALID_FORMAT' },
        { rowNumber: 4, errorType: 'ALREADY_EXISTS' },
        { rowNumber: 5, errorType: 'ALREADY_EXISTS' },
      ],
      results: results(['FAILED', 'FAILED', 'FAILED', 'FAILED']),
    };

    // Act
    const verdict = checkImport(
      file,
      again,
      owners({ importId: ME, rowNumber: 4 }),
      0,
      () => 'already-exists',
    );

    // Assess
    expect(verdict.mismatches).toEqual([]);
  });
});

describe('expectedStatus', () => {
  it.each([
    [0, 0, 'NOTHING_TO_IMPORT'],
    [4, 4, 'COMPLETED'],
    [4, 0, 'FAILED'],
    [4, 1, 'PARTIAL_SUCCESS'],
  ])('%i rows with %i committed end %s', (rows, committed, status) => {
    // Act / Assess
    expect(expectedStatus(rows, committed)).toBe(status);
  });
});

describe('readResultStatuses', () => {
  it('skips the header, maps rows to statuses and lists repeated rows', () => {
    // Act
    const read = readResultStatuses([
      ['\ufeffrow_number', 'status', 'reason', 'email'],
      ['2', 'SUCCESS', '', 'a@x.example'],
      ['3', 'FAILED', 'Email is not valid', 'a@x'],
      ['2', 'SUCCESS', '', 'a@x.example'],
    ]);

    // Assess
    expect([...read.statuses]).toEqual([
      [2, 'SUCCESS'],
      [3, 'FAILED'],
    ]);
    expect(read.repeated).toEqual([2]);
  });
});
