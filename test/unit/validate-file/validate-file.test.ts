import iconv from 'iconv-lite';
import { NOT_CSV_REASONS } from '../../../lambdas/shared/csv';
import { messageOf, readChunkPlan, readManifest, readManifestHeader } from '../../../lambdas/shared/manifest';
import type { ChunkMessage } from '../../../lambdas/shared/model';
import { utf8DataKey } from '../../../lambdas/shared/object-keys';
import { PipelineErrorCode } from '../../../lambdas/shared/pipeline-error';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask, USERS_HEADER } from './harness';

const rows = (count: number, from = 1) => Array.from({ length: count }, (_, index) => userRow(from + index));

/** The bytes each chunk message covers, in order. */
const chunkTexts = (harness: Harness, key: string): string[] => {
  const body = harness.objects.objects.get(key)?.body ?? Buffer.alloc(0);
  return harness.chunks.sent.map((message) => body.subarray(message.start, message.end).toString('utf8'));
};

describe('validateFile', () => {
  describe('a valid file', () => {
    it('moves the task to PROCESSING, stores the manifest and sends one message per chunk', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 5 });
      const csv = usersCsv(rows(12));
      const task = await givenUpload(harness, csv);

      // Act
      const outcome = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(outcome).toBe('enqueued');
      const stored = await storedTask(harness, task.importId);
      expect(stored).toMatchObject({
        status: 'PROCESSING',
        totalRows: 12,
        chunkCount: 3,
        chunksDone: 0,
        chunksEnqueued: true,
        dataKey: task.objectKey,
        warnings: [],
        fileSize: Buffer.byteLength(csv),
      });
      // The header is the manifest's, not the task item's (rewritten on every chunk counted).
      expect(stored.header).toBeUndefined();
      expect(await readManifestHeader(harness.objects, task.importId)).toEqual(USERS_HEADER.split(','));
      expect(stored.startedAt).toEqual(expect.any(String));
      const sent = harness.chunks.sent;
      expect(sent.map((message) => [message.chunkIndex, message.chunkCount, message.firstRowNumber])).toEqual(
        [
          [0, 3, 2],
          [1, 3, 7],
          [2, 3, 12],
        ],
      );
      expect(sent[0]?.start).toBe(Buffer.byteLength(`${USERS_HEADER}\r\n`));
      expect(sent.at(-1)?.end).toBe(Buffer.byteLength(csv));
      sent.slice(1).forEach((message, index) => {
        expect(message.start).toBe(sent[index]?.end);
      });
      expect(chunkTexts(harness, task.objectKey)[1]).toBe(usersCsv(rows(5, 6), '').slice(2));
      expect(sent[0]).toMatchObject({
        kind: 'chunk',
        importId: task.importId,
        templateId: 'users',
        dataKey: task.objectKey,
        delimiter: ',',
        reportColumns: 7,
        oversized: [],
        plan: { headerEnd: expect.any(Number), start: expect.any(Number), end: expect.any(Number) },
      });
      // The header, column map and duplicates stay in the manifest; each message points at its part of it.
      expect(sent.every((message) => !('header' in message || 'columnMap' in message))).toBe(true);
      expect(await readChunkPlan(harness.objects, sent[0] as ChunkMessage)).toMatchObject({
        header: USERS_HEADER.split(','),
        columnMap: ['email', 'first_name', 'last_name', 'role', 'phone', 'department', 'start_date'],
        duplicates: [],
      });
      const manifest = await readManifest(harness.objects, task.importId);
      expect(manifest?.chunks.map(messageOf)).toEqual(sent);
    });

    it('closes chunks by bytes at record boundaries, never inside a quoted line break', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_BYTES: 200 });
      const multiLine = 'ml@example.com,"Line one\r\nline two",Last,member,,"Dept\r\nwith break",';
      const csv = usersCsv([...rows(3), multiLine, ...rows(3, 10), multiLine.replace('ml@', 'm2@')]);
      const task = await givenUpload(harness, csv);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const texts = chunkTexts(harness, task.objectKey);
      expect(texts.join('')).toBe(csv.slice(Buffer.byteLength(`${USERS_HEADER}\r\n`)));
      for (const text of texts) {
        expect(Buffer.byteLength(text)).toBeLessThanOrEqual(200);
        expect(text.endsWith('\r\n')).toBe(true);
      }
      const rowsPerChunk = texts.map((text) => text.split(/\r\n(?=[a-z0-9]+@)/).length);
      expect(rowsPerChunk.reduce((sum, count) => sum + count, 0)).toBe(8);
      expect((await storedTask(harness, task.importId)).totalRows).toBe(8);
    });

    it('counts spreadsheet rows: blank lines take a row number, a multi-line record takes one', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 2 });
      const csv = usersCsv([
        userRow(1),
        '',
        ',,,,,,',
        'q@example.com,"Two\r\nlines",Last,member,,,',
        userRow(2),
        userRow(3),
      ]);
      const task = await givenUpload(harness, csv);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess: rows 2..7, chunks of two records each, blank records included.
      expect(harness.chunks.sent.map((message) => message.firstRowNumber)).toEqual([2, 4, 6]);
      expect((await storedTask(harness, task.importId)).totalRows).toBe(4);
    });

    it('reports in-file duplicate keys (case-insensitive for email) in the chunk of the later row', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 3 });
      const csv = usersCsv([
        userRow(1),
        userRow(2),
        ',Blank,Key,member,,,',
        userRow(3),
        ',Blank,Key,member,,,',
        userRow(1).replace('user1@example.com', ' USER1@Example.com '),
        userRow(4),
        userRow(2),
      ]);
      const task = await givenUpload(harness, csv);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess: rows 2..9; row 7 repeats row 2, row 9 repeats row 3; blank keys are not duplicates.
      const plans = await Promise.all(
        harness.chunks.sent.map((message) => readChunkPlan(harness.objects, message)),
      );
      expect(plans.map((plan) => plan.duplicates)).toEqual([[], [[7, 2]], [[9, 3]]]);
    });

    it('lists records over MAX_RECORD_BYTES as oversized, by byte range, and still counts them', async () => {
      // Prepare
      const harness = createHarness({ MAX_RECORD_BYTES: 300 });
      const long = `long@example.com,${'x'.repeat(400)},Last,member,,,`;
      const csv = usersCsv([userRow(1), long, userRow(2)]);
      const task = await givenUpload(harness, csv);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const [message] = harness.chunks.sent;
      const start = csv.indexOf('long@');
      expect(message?.oversized).toEqual([{ rowNumber: 3, start, end: start + long.length + 2 }]);
      expect((await storedTask(harness, task.importId)).totalRows).toBe(3);
    });

    it('warns about unknown columns, caps the list, and accepts an exceptions report as is', async () => {
      // Prepare
      const harness = createHarness();
      const extra = Array.from({ length: 12 }, (_, index) => `Extra ${index + 1}`);
      const header = `Email,First Name,last-name,ROLE,Notes,${extra.join(',')},row_number,error_type,error_message`;
      const row = `a@example.com,Ada,Lovelace,member,hi,${extra.map(() => '').join(',')},2,REQUIRED,x`;
      const task = await givenUpload(harness, `${header}\r\n${row}\r\n`);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const stored = await storedTask(harness, task.importId);
      expect(stored.status).toBe('PROCESSING');
      expect(stored.warnings).toEqual([
        'Unknown column ignored: Notes',
        ...extra.slice(0, 9).map((name) => `Unknown column ignored: ${name}`),
        '… and 3 more',
      ]);
      const plan = await readChunkPlan(harness.objects, harness.chunks.sent[0] as ChunkMessage);
      expect(plan.columnMap.slice(0, 5)).toEqual(['email', 'first_name', 'last_name', 'role', null]);
    });

    it('rejects a header wider than 1,000 columns, naming the count', async () => {
      // Prepare
      const harness = createHarness();
      const extra = Array.from({ length: 100_000 }, (_, index) => `c${index}`).join(',');
      const task = await givenUpload(harness, usersCsv([userRow(1)], `${USERS_HEADER},${extra}`));

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const stored = await storedTask(harness, task.importId);
      expect(stored.status).toBe('VALIDATION_FAILED');
      expect(stored.statusReason).toBe('The header has 100,007 columns; at most 1,000 are supported');
      expect(harness.chunks.sent).toEqual([]);
    });

    it('rejects a header over 64 KB and cuts long unknown names in warnings', async () => {
      // Prepare
      const harness = createHarness();
      const wide = await givenUpload(
        harness,
        usersCsv([userRow(1)], `${USERS_HEADER},${'n'.repeat(70_000)}`),
      );
      const long = await givenUpload(harness, usersCsv([userRow(1)], `${USERS_HEADER},${'n'.repeat(500)}`));

      // Act
      await validateFile(harness.validateDeps, wide.objectKey);
      await validateFile(harness.validateDeps, long.objectKey);

      // Assess
      const rejected = await storedTask(harness, wide.importId);
      expect(rejected.status).toBe('VALIDATION_FAILED');
      expect(rejected.statusReason).toMatch(/^Row 1 \(the header\) is .+; a header can be at most 64 KB$/);
      expect((await storedTask(harness, long.importId)).warnings).toEqual([
        `Unknown column ignored: ${'n'.repeat(80)}…`,
      ]);
    });

    it('picks a semicolon delimiter from the header', async () => {
      // Prepare
      const harness = createHarness();
      const csv = usersCsv([userRow(1).replaceAll(',', ';')], USERS_HEADER.replaceAll(',', ';'));
      const task = await givenUpload(harness, csv);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(harness.chunks.sent[0]?.delimiter).toBe(';');
      expect((await storedTask(harness, task.importId)).totalRows).toBe(1);
    });
  });

  describe('encodings', () => {
    const TEXT = `${USERS_HEADER}\r\nzoe@example.com,Zoë,Müller €,member,,Café,\r\n`;

    it('reads UTF-8 with a BOM in place: the header loses the BOM, chunks start after it', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, `\uFEFF${TEXT}`);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const stored = await storedTask(harness, task.importId);
      expect(stored.dataKey).toBe(task.objectKey);
      expect((await readManifestHeader(harness.objects, task.importId))?.[0]).toBe('email');
      expect(harness.chunks.sent[0]?.start).toBe(3 + Buffer.byteLength(`${USERS_HEADER}\r\n`));
      expect(harness.objects.objects.has(utf8DataKey(task.importId))).toBe(false);
    });

    it('reads a quoted header right after a UTF-8 BOM', async () => {
      // Prepare
      const harness = createHarness();
      const quoted = USERS_HEADER.split(',')
        .map((name) => `"${name}"`)
        .join(',');
      const task = await givenUpload(harness, `\uFEFF${quoted}\r\n${userRow(1)}\r\n`);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(await storedTask(harness, task.importId)).toMatchObject({ status: 'PROCESSING', totalRows: 1 });
      expect(await readManifestHeader(harness.objects, task.importId)).toEqual(USERS_HEADER.split(','));
    });

    it.each([
      ['UTF-16 LE with a BOM', iconv.encode(TEXT, 'utf16le', { addBOM: true })],
      ['UTF-16 BE with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(TEXT, 'utf16be')])],
      ['UTF-16 LE without a BOM', iconv.encode(TEXT, 'utf16le')],
      ['Windows-1252', iconv.encode(TEXT, 'windows1252')],
    ])('transcodes %s to a UTF-8 copy that the chunks read', async (_label, bytes) => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, bytes);

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      const stored = await storedTask(harness, task.importId);
      expect(stored).toMatchObject({
        status: 'PROCESSING',
        totalRows: 1,
        dataKey: utf8DataKey(task.importId),
      });
      expect(harness.objects.text(utf8DataKey(task.importId))).toBe(TEXT);
      expect(chunkTexts(harness, utf8DataKey(task.importId))).toEqual([
        'zoe@example.com,Zoë,Müller €,member,,Café,\r\n',
      ]);
    });

    it('restarts as Windows-1252 when invalid UTF-8 appears late in the file', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 100 });
      const text = usersCsv([...rows(400), 'late@example.com,Renée,Lefèvre,member,,,']);
      const task = await givenUpload(harness, iconv.encode(text, 'windows1252'));

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(harness.objects.text(utf8DataKey(task.importId))).toBe(text);
      expect(harness.chunks.sent).toHaveLength(5);
      expect((await storedTask(harness, task.importId)).totalRows).toBe(401);
    });
  });

  describe('file-level failures end in VALIDATION_FAILED with a reason', () => {
    it('refuses a file whose plan SQS could not carry before the task is PROCESSING, saying why', async () => {
      // Prepare: every record over the record cap, so one chunk's message lists 6,000 skipped ranges.
      const harness = createHarness({ MAX_RECORD_BYTES: 64, CHUNK_MAX_ROWS: 10_000 });
      const long = (n: number) => userRow(n).replace('First', 'F'.repeat(80));
      const task = await givenUpload(harness, usersCsv(Array.from({ length: 6000 }, (_, n) => long(n + 1))));

      // Act
      const outcome = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(outcome).toBe('validation-failed');
      const stored = await storedTask(harness, task.importId);
      expect(stored.status).toBe('VALIDATION_FAILED');
      expect(stored.statusReason).toMatch(
        /^The file could not be queued for import: the plan of rows 2–6,001 is [\d.]+ KB; SQS carries at most 256 KB\. Split the file into smaller files and upload them$/,
      );
      expect(harness.chunks.sent).toEqual([]);
    });

    const longHeader = `${USERS_HEADER},${'x'.repeat(2000)}`;
    const cases: [string, string | Buffer, string][] = [
      ['an empty file', '', 'The file is empty'],
      ['blank lines only', '\r\n\r\n  \r\n', 'The file is empty'],
      ['a header of bare delimiters', ',,,,\r\n,,,,\r\n', 'The file is empty'],
      ['a BOM and nothing else', '\uFEFF', 'The file is empty'],
      [
        'a blank header with data under it',
        `,,,\r\n${USERS_HEADER}\r\n`,
        'Row 1 (the header) is blank: put the column names on the first row (data starts on line 2)',
      ],
      [
        'a missing required column',
        'email,first_name,role\r\na@b.co,A,member\r\n',
        'Missing required column: last_name',
      ],
      ['missing required columns', 'email,role\r\n', 'Missing required columns: first_name, last_name'],
      [
        'a column twice',
        `${USERS_HEADER}, EMAIL \r\n`,
        'Column email appears more than once (columns 1 and 8)',
      ],
      [
        'an unterminated quote',
        usersCsv([...rows(48), 'bad@example.com,"Never closed,Last,member,,,', ...rows(3, 60)]),
        'Line 50: unterminated quoted field',
      ],
      ['an unterminated quote in the header', 'email,"first_name\r\n', 'Line 1: unterminated quoted field'],
      [
        'an xlsx workbook',
        Buffer.from('PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00', 'latin1'),
        NOT_CSV_REASONS.xlsx,
      ],
      [
        'a NUL byte past the first 4 KB',
        Buffer.concat([Buffer.from(usersCsv(rows(80))), Buffer.from([0, 0x41]), Buffer.from('\r\n')]),
        `Line 82 has a NUL byte at byte ${(Buffer.byteLength(usersCsv(rows(80))) + 1).toLocaleString('en-US')}: this is not a text file (it contains binary data), so it cannot be read as CSV: save it as 'CSV UTF-8' and upload that`,
      ],
      [
        'a header longer than one record may be',
        `${longHeader}\r\n${userRow(1)}\r\n`,
        'Row 1 (the header) is longer than 1000 bytes, the limit for one row',
      ],
    ];

    it.each(cases)('%s', async (_label, body, reason) => {
      // Prepare
      const harness = createHarness({ MAX_RECORD_BYTES: 1000 });
      const task = await givenUpload(harness, body);

      // Act
      const outcome = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(outcome).toBe('validation-failed');
      const stored = await storedTask(harness, task.importId);
      expect(stored).toMatchObject({ status: 'VALIDATION_FAILED', statusReason: reason });
      expect(stored.endedAt).toEqual(expect.any(String));
      expect(harness.chunks.sent).toEqual([]);
    });

    it('rejects a file over 200 MB by its stored size, without reading it', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, usersCsv(rows(1)), { fileSize: 241_172_480 });
      jest.spyOn(harness.objects, 'head').mockResolvedValue({ size: 241_172_480 });
      const getStream = jest.spyOn(harness.objects, 'getStream');

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(await storedTask(harness, task.importId)).toMatchObject({
        status: 'VALIDATION_FAILED',
        statusReason: 'File is 230 MB; the limit is 200 MB',
      });
      expect(getStream).not.toHaveBeenCalled();
    });

    it('rejects a stored file whose size differs from the declared size', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, usersCsv(rows(1)), { fileSize: 5000 });

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect((await storedTask(harness, task.importId)).statusReason).toMatch(
        /^The uploaded file is [\d,]+ bytes but 5,000 bytes were declared; upload it again$/,
      );
      expect(await harness.objects.head(task.objectKey)).toBeUndefined();
    });

    it('rejects a task whose file is gone, and an unknown template', async () => {
      // Prepare
      const harness = createHarness();
      const gone = await givenUpload(harness, usersCsv(rows(1)));
      await harness.objects.delete(gone.objectKey);
      const unknown = await givenUpload(harness, usersCsv(rows(1)), { templateId: 'nope' });

      // Act
      await validateFile(harness.validateDeps, gone.objectKey);
      await validateFile(harness.validateDeps, unknown.objectKey);

      // Assess
      expect((await storedTask(harness, gone.importId)).statusReason).toBe(
        'The uploaded file was not found: upload it again',
      );
      expect((await storedTask(harness, unknown.importId)).statusReason).toBe('Unknown template: nope');
    });

    it('does not keep the UTF-8 copy of a transcoded file it rejects', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(
        harness,
        iconv.encode('email,role\r\na@b.co,member\r\n', 'utf16le', { addBOM: true }),
      );

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect((await storedTask(harness, task.importId)).status).toBe('VALIDATION_FAILED');
      expect(harness.objects.objects.has(utf8DataKey(task.importId))).toBe(false);
    });
  });

  it('ends a file with a header and no data rows in NOTHING_TO_IMPORT', async () => {
    // Prepare
    const harness = createHarness();
    const task = await givenUpload(harness, `${USERS_HEADER}\r\n\r\n,,,,,,\r\n`);

    // Act
    const outcome = await validateFile(harness.validateDeps, task.objectKey);

    // Assess
    expect(outcome).toBe('nothing-to-import');
    expect(await storedTask(harness, task.importId)).toMatchObject({
      status: 'NOTHING_TO_IMPORT',
      statusReason: 'The file has a header but no data rows',
      totalRows: 0,
    });
    expect(harness.chunks.sent).toEqual([]);
  });

  describe('idempotency', () => {
    it('sends the chunks once when the same event arrives twice', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 2 });
      const task = await givenUpload(harness, usersCsv(rows(5)));

      // Act
      const first = await validateFile(harness.validateDeps, task.objectKey);
      const second = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect([first, second]).toEqual(['enqueued', 'already-enqueued']);
      expect(harness.chunks.sent).toHaveLength(3);
    });

    it('re-sends the manifest chunks when a previous attempt died after PROCESSING', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 2 });
      const task = await givenUpload(harness, usersCsv(rows(5)));
      const send = jest.spyOn(harness.chunks, 'send').mockRejectedValueOnce(new Error('SQS unavailable'));

      // Act
      await expect(validateFile(harness.validateDeps, task.objectKey)).rejects.toThrow('SQS unavailable');
      const afterCrash = await storedTask(harness, task.importId);
      const outcome = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(afterCrash).toMatchObject({ status: 'PROCESSING', chunkCount: 3 });
      expect(afterCrash.chunksEnqueued).toBeUndefined();
      expect(outcome).toBe('resent');
      const manifest = await readManifest(harness.objects, task.importId);
      expect(harness.chunks.sent).toEqual(manifest?.chunks.map(messageOf));
      expect(send).toHaveBeenCalledTimes(2);
      expect((await storedTask(harness, task.importId)).chunksEnqueued).toBe(true);
    });

    it('leaves a task in a final status alone', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, usersCsv(rows(2)), { status: 'COMPLETED' });

      // Act
      const outcome = await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(outcome).toBe('already-final');
      expect((await storedTask(harness, task.importId)).status).toBe('COMPLETED');
    });

    it('keeps the startedAt of an earlier attempt that died while VALIDATING', async () => {
      // Prepare
      const harness = createHarness();
      const startedAt = '2026-11-22T10:01:00.000Z';
      const task = await givenUpload(harness, usersCsv(rows(2)), { status: 'VALIDATING', startedAt });

      // Act
      await validateFile(harness.validateDeps, task.objectKey);

      // Assess
      expect(await storedTask(harness, task.importId)).toMatchObject({ status: 'PROCESSING', startedAt });
    });

    it('throws (to be retried) when the task does not exist yet or the store fails', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, usersCsv(rows(2)));
      jest.spyOn(harness.objects, 'getStream').mockRejectedValueOnce(new Error('S3 timeout'));

      // Act + Assess
      await expect(
        validateFile(harness.validateDeps, 'uploads/0f0e0d0c-aaaa-bbbb-cccc-000000000000/x.csv'),
      ).rejects.toMatchObject({ code: PipelineErrorCode.TASK_NOT_FOUND });
      await expect(validateFile(harness.validateDeps, task.objectKey)).rejects.toThrow('S3 timeout');
      expect((await storedTask(harness, task.importId)).status).toBe('VALIDATING');
    });

    it('ignores objects that are not an import upload', async () => {
      // Prepare
      const harness = createHarness();
      const task = await givenUpload(harness, usersCsv(rows(2)));

      // Act
      const outcomes = [
        await validateFile(harness.validateDeps, 'reports/x/exceptions.csv'),
        await validateFile(harness.validateDeps, `uploads/${task.importId}/another.csv`),
      ];

      // Assess
      expect(outcomes).toEqual(['ignored', 'ignored']);
      expect((await storedTask(harness, task.importId)).status).toBe('PENDING');
    });
  });
});
