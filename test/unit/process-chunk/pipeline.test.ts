import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import { chunkPartKey } from '../../../lambdas/shared/object-keys';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { createHarness, givenUpload, storedTask, USERS_HEADER } from '../validate-file/harness';

/**
 * A users file with known outcomes, built independently of the code under test: blank lines, multi-line
 * quoted values, invalid roles, duplicate emails (differing in case), one malformed quote and one row over
 * the record limit. Returns the CSV and, per data row in order, whether it should import.
 */
const mixedFile = (rowCount: number) => {
  const lines = [USERS_HEADER];
  const expected: { rowNumber: number; ok: boolean }[] = [];
  const seen = new Set<string>();
  for (let n = 1; n <= rowCount; n += 1) {
    if (n % 13 === 0) lines.push(n % 26 === 0 ? ',,,,,,' : '');
    const email = n % 29 === 0 ? `USER${n - 3}@Example.com` : `user${n}@example.com`;
    const duplicate = seen.has(email.toLowerCase());
    seen.add(email.toLowerCase());
    const role = n % 7 === 0 ? 'boss' : 'member';
    let first = n % 31 === 0 ? `"Multi\r\nline, ${n}"` : `First${n}`;
    if (n === 150) first = '"Bad" quote';
    const department = n === 200 ? 'x'.repeat(600) : 'Dept';
    lines.push(`${email},${first},Last${n},${role},,${department},`);
    expected.push({
      rowNumber: lines.length,
      ok: role === 'member' && !duplicate && n !== 150 && n !== 200,
    });
  }
  return { csv: `${lines.join('\r\n')}\r\n`, expected };
};

describe('validate-file → process-chunk with the fakes', () => {
  it.each([
    ['UTF-8', (text: string) => Buffer.from(text, 'utf8')],
    ['UTF-16 LE', (text: string) => iconv.encode(text, 'utf16le', { addBOM: true })],
  ])(
    'imports a multi-chunk %s file with exact counts, whatever order and however often chunks arrive',
    async (_label, encode) => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 25, CHUNK_MAX_BYTES: 1500, MAX_RECORD_BYTES: 500 });
      const { csv, expected } = mixedFile(300);
      const task = await givenUpload(harness, encode(csv));
      await validateFile(harness.validateDeps, task.objectKey);
      const messages = [...harness.chunks.sent];
      const successes = expected.filter((row) => row.ok).length;

      // Act: reverse order, one chunk delivered twice before the last one arrives.
      const [first, ...rest] = messages;
      if (!first) throw new Error('no chunks');
      for (const message of rest.reverse()) await processChunk(harness.processDeps, message);
      await processChunk(harness.processDeps, rest[0] ?? first);
      await processChunk(harness.processDeps, first);

      // Assess
      expect(messages.length).toBeGreaterThan(12);
      const stored = await storedTask(harness, task.importId);
      expect(stored).toMatchObject({
        totalRows: 300,
        processedRows: 300,
        successCount: successes,
        errorCount: 300 - successes,
        chunksDone: messages.length,
        chunkCount: messages.length,
      });
      expect(harness.records.records.size).toBe(successes);
      expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);

      const parts = (kind: 'results' | 'exceptions') =>
        messages
          .map(
            (message) =>
              harness.objects.text(
                chunkPartKey(
                  task.importId,
                  kind,
                  message.chunkIndex,
                  harness.tasks.attemptOf(task.importId, message.chunkIndex),
                ),
              ) ?? '',
          )
          .join('');
      const results = parse(parts('results'), { relax_column_count: true });
      expect(results.map((cells) => [Number(cells[0]), cells[1] === 'SUCCESS'])).toEqual(
        expected.map((row) => [row.rowNumber, row.ok]),
      );
      const exceptions = parse(parts('exceptions'), { relax_column_count: true });
      expect(exceptions.map((cells) => Number(cells.at(-3)))).toEqual(
        expected.filter((row) => !row.ok).map((row) => row.rowNumber),
      );
    },
  );
});
