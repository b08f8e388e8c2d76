import { checkFile, MAX_FILE_BYTES } from '../src/wizard/file-checks';

describe('checkFile', () => {
  it('accepts a CSV from 1 byte up to exactly 200 MB, whatever the case of its extension', () => {
    // Prepare
    const files = [
      { name: 'users.csv', size: 1 },
      { name: 'USERS.CSV', size: 5_000 },
      { name: 'big.csv', size: MAX_FILE_BYTES },
    ];

    // Act
    const problems = files.map(checkFile);

    // Assess
    expect(problems).toEqual([undefined, undefined, undefined]);
    expect(MAX_FILE_BYTES).toBe(209_715_200);
  });

  it('names a file that is not a CSV', () => {
    // Act
    const problem = checkFile({ name: 'users.xlsx', size: 10 });

    // Assess
    expect(problem).toEqual({
      kind: 'not-csv',
      message: 'users.xlsx is not a CSV file. Save it as CSV (a name ending in .csv) and pick it again.',
    });
  });

  it('refuses an empty file', () => {
    // Act
    const problem = checkFile({ name: 'empty.csv', size: 0 });

    // Assess
    expect(problem?.kind).toBe('empty');
    expect(problem?.message).toBe('empty.csv is empty (0 bytes): there is nothing to import.');
  });

  it('refuses one byte over 200 MB and says how big the file is', () => {
    // Act
    const justOver = checkFile({ name: 'over.csv', size: MAX_FILE_BYTES + 1 });
    const huge = checkFile({ name: 'huge.csv', size: 230 * 1024 * 1024 });

    // Assess
    expect(justOver?.kind).toBe('too-large');
    expect(huge?.message).toBe('huge.csv is 230 MB; the limit is 200 MB. Split it into smaller files.');
  });
});
