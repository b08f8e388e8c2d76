import iconv from 'iconv-lite';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, storedTask } from './harness';

/**
 * What the hostile corpus (test/fixtures/hostile) found in validate-file's pass: reasons that said what
 * was wrong but not where, and files read in a way their own byte order mark rules out.
 */

const rows = (count: number) => Array.from({ length: count }, (_, index) => userRow(index + 1));
const BINARY =
  "this is not a text file (it contains binary data), so it cannot be read as CSV: save it as 'CSV UTF-8' and upload that";

const rejectionOf = async (body: string | Buffer): Promise<string | undefined> => {
  const harness = createHarness();
  const task = await givenUpload(harness, body);
  await validateFile(harness.validateDeps, task.objectKey);
  const stored = await storedTask(harness, task.importId);
  expect(stored.status).toBe('VALIDATION_FAILED');
  return stored.statusReason;
};

describe('scanFile reasons name where the problem is', () => {
  it('gives the line and byte of a NUL past the first 4 KB', async () => {
    // Prepare
    const before = usersCsv(rows(100));
    const body = Buffer.concat([Buffer.from(before), Buffer.from('x@example.com,A\u0000,B,member\r\n')]);

    // Act
    const reason = await rejectionOf(body);

    // Assess
    expect(Buffer.byteLength(before)).toBeGreaterThan(4096);
    expect(reason).toBe(
      `Line 102 has a NUL byte at byte ${(Buffer.byteLength(before) + 16).toLocaleString('en-US')}: ${BINARY}`,
    );
  });

  it('gives the line of a NUL character in a transcoded (UTF-16) file, where bytes are not the upload’s', async () => {
    // Prepare
    const body = iconv.encode(`${usersCsv(rows(300))}y@example.com,\u0000,B,member\r\n`, 'utf16le', {
      addBOM: true,
    });

    // Act
    const reason = await rejectionOf(body);

    // Assess
    expect(reason).toBe(`Line 302 has a NUL character: ${BINARY}`);
  });

  it('refuses invalid UTF-8 after a UTF-8 byte order mark, by line and byte, instead of guessing Windows-1252', async () => {
    // Prepare
    const start = `\uFEFF${usersCsv(rows(3))}z@example.com,Jos`;
    const body = Buffer.concat([Buffer.from(start), Buffer.from([0xe9]), Buffer.from(',B,member\r\n')]);

    // Act
    const reason = await rejectionOf(body);

    // Assess
    expect(reason).toBe(
      `Line 5 is not valid UTF-8 (byte ${Buffer.byteLength(start) + 1}), but the file starts with a UTF-8 byte order mark: save it as 'CSV UTF-8' and upload that`,
    );
  });

  it('still reads a file without a BOM as Windows-1252 when it is not UTF-8', async () => {
    // Prepare
    const harness = createHarness();
    const body = Buffer.concat([Buffer.from(usersCsv(rows(2))), Buffer.from([0x4a, 0x6f, 0x73, 0xe9])]);
    const task = await givenUpload(harness, body);

    // Act
    await validateFile(harness.validateDeps, task.objectKey);

    // Assess
    expect((await storedTask(harness, task.importId)).status).toBe('PROCESSING');
  });

  it.each([
    [
      'a zero-width space inside a required name',
      'em\u200Bail,first_name,last_name,role',
      'Missing required column: email (column 1 is "em\u200Bail", which has an invisible character U+200B in its name: retype it)',
    ],
    [
      'bidi marks around two required names',
      '\u202Bemail\u202C,first_name,last_name\u200F,role',
      'Missing required columns: email, last_name (column 1 is "\u202Bemail\u202C", which has invisible characters U+202B, U+202C in its name: retype it; column 3 is "last_name\u200F", which has an invisible character U+200F in its name: retype it)',
    ],
    ['a name that is simply missing', 'first_name,last_name,role', 'Missing required column: email'],
  ])('names the column whose name hides invisible characters: %s', async (_label, header, expected) => {
    // Act
    const reason = await rejectionOf(`${header}\r\na@example.com,A,B,member\r\n`);

    // Assess
    expect(reason).toBe(expected);
  });
});
