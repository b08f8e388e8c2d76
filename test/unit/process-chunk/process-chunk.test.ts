import { parse } from 'csv-parse/sync';
import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import { RecordStoreUnavailableError } from '../../../lambdas/process-chunk/write-records';
import type { ChunkMessage, RowError, TaskRecord } from '../../../lambdas/shared/model';
import { chunkPartKey } from '../../../lambdas/shared/object-keys';
import { PipelineErrorCode } from '../../../lambdas/shared/pipeline-error';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from '../validate-file/harness';

/** Uploads `csv`, runs validate-file on it, and returns the task and its chunk messages. */
const validated = async (
  harness: Harness,
  csv: string | Buffer,
  overrides: Partial<TaskRecord> = {},
): Promise<{ task: TaskRecord; messages: ChunkMessage[] }> => {
  const task = await givenUpload(harness, csv, overrides);
  await validateFile(harness.validateDeps, task.objectKey);
  const messages = harness.chunks.sent.filter((message) => message.importId === task.importId);
  if (messages.length === 0) throw new Error('validation sent no chunks');
  return { task, messages };
};

const only = <T>(items: readonly T[]): T => {
  const [item] = items;
  if (items.length !== 1 || item === undefined) throw new Error(`expected one item, got ${items.length}`);
  return item;
};

const errorsOf = async (harness: Harness, importId: string, chunkIndex = 0) =>
  (await harness.tasks.getChunkResult(importId, chunkIndex))?.errors.map(
    (error: RowError) => [error.rowNumber, error.errorType, error.message] as const,
  );

describe('processChunk', () => {
  it('imports valid rows, writes both report parts and the result, counts the chunk and finalizes', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1), '', userRow(2)]));

    // Act
    const outcome = await processChunk(harness.processDeps, only(messages));

    // Assess
    expect(outcome).toBe('processed');
    expect([...harness.records.records.keys()].sort()).toEqual([
      'users#user1@example.com',
      'users#user2@example.com',
    ]);
    expect(harness.records.records.get('users#user2@example.com')).toMatchObject({
      importId: task.importId,
      rowNumber: 4,
      data: { email: 'user2@example.com', first_name: 'First2', role: 'member', phone: '+15550000002' },
    });
    expect(
      harness.objects.text(
        chunkPartKey(task.importId, 'results', 0, harness.tasks.attemptOf(task.importId, 0)),
      ),
    ).toBe('2,SUCCESS,,user1@example.com\r\n4,SUCCESS,,user2@example.com\r\n');
    expect(
      harness.objects.text(
        chunkPartKey(task.importId, 'exceptions', 0, harness.tasks.attemptOf(task.importId, 0)),
      ),
    ).toBe('');
    expect(await harness.tasks.getChunkResult(task.importId, 0)).toEqual({
      importId: task.importId,
      chunkIndex: 0,
      firstRowNumber: 2,
      rowCount: 2,
      successCount: 2,
      errorCount: 0,
      errors: [],
      // The attempt whose parts these are: a fresh id each processing.
      attempt: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(await storedTask(harness, task.importId)).toMatchObject({
      processedRows: 2,
      successCount: 2,
      errorCount: 0,
      chunksDone: 1,
    });
    expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
  });

  it('reports every error type with the row number validate-file gave the row', async () => {
    // Prepare
    const harness = createHarness({ MAX_RECORD_BYTES: 400 });
    await harness.records.insert('users', 'taken@example.com', {}, { importId: 'earlier', rowNumber: 9 });
    const csv = usersCsv([
      userRow(1), // 2 ok
      'missing@example.com,,Last,member,,,', // 3 REQUIRED
      'not-an-email,First,Last,member,,,', // 4 INVALID_FORMAT
      'role@example.com,First,Last,boss,,,', // 5 INVALID_VALUE
      `long@example.com,${'n'.repeat(101)},Last,member,,,`, // 6 TOO_LONG
      'cols@example.com,First,Last,member,,,,extra,more', // 7 COLUMN_COUNT
      '', // 8 blank
      userRow(1).replace('user1@', 'USER1@'), // 9 DUPLICATE_IN_FILE
      'taken@example.com,First,Last,member,,,', // 10 ALREADY_EXISTS
      `huge@example.com,${'h'.repeat(500)},Last,member,,,`, // 11 TOO_LONG (oversized record)
      'many@example.com,,Last,boss,12345,,2023-02-30', // 12 several problems
      userRow(2).replace(/$/, ',,,'), // 13 ok: trailing empty cells are not values
    ]);
    const { task, messages } = await validated(harness, csv);

    // Act
    await processChunk(harness.processDeps, only(messages));

    // Assess
    expect(await errorsOf(harness, task.importId)).toEqual([
      [3, 'REQUIRED', 'First name is required'],
      [4, 'INVALID_FORMAT', 'Email is not a valid email address'],
      [5, 'INVALID_VALUE', 'Role must be one of admin, manager, member'],
      [6, 'TOO_LONG', 'First name must be at most 100 characters'],
      [7, 'COLUMN_COUNT', 'Row has 9 values but the header has 7 columns'],
      [9, 'DUPLICATE_IN_FILE', 'Duplicate email: row 2 has the same value'],
      [10, 'ALREADY_EXISTS', 'A user with this email already exists'],
      [11, 'TOO_LONG', 'Row is 534 bytes; the limit for one row is 400 bytes'],
      [12, 'REQUIRED', 'First name is required'],
      [12, 'INVALID_VALUE', 'Role must be one of admin, manager, member'],
      [12, 'INVALID_FORMAT', 'Phone must be in international E.164 format, e.g. +15551234567'],
      [12, 'INVALID_VALUE', 'Start date 2023-02-30 is not a real calendar date'],
    ]);
    const result = await harness.tasks.getChunkResult(task.importId, 0);
    expect(result).toMatchObject({ rowCount: 11, successCount: 2, errorCount: 9 });
    expect(await storedTask(harness, task.importId)).toMatchObject({
      totalRows: 11,
      processedRows: 11,
      successCount: 2,
      errorCount: 9,
    });
    expect(harness.records.records.get('users#taken@example.com')?.importId).toBe('earlier');
  });

  it('writes the failed rows to the exceptions part with their raw cells, and every row to the results part', async () => {
    // Prepare
    const harness = createHarness();
    const csv = usersCsv([
      ' ok@example.com ,Ada,Lovelace,member,,,',
      'bad@example.com, Ada ,Lovelace,boss,+15551234567,,',
      '',
      'x@example.com,Ada,Lovelace,member,,,,,,,9',
    ]);
    const { task, messages } = await validated(harness, csv);

    // Act
    await processChunk(harness.processDeps, only(messages));

    // Assess
    const exceptions = parse(
      harness.objects.text(
        chunkPartKey(task.importId, 'exceptions', 0, harness.tasks.attemptOf(task.importId, 0)),
      ) ?? '',
      {
        relax_column_count: true,
      },
    );
    expect(exceptions.map((cells) => [...cells.slice(0, 7), ...cells.slice(-3)])).toEqual([
      [
        'bad@example.com',
        'Ada',
        'Lovelace',
        'boss',
        "'+15551234567",
        '',
        '',
        '3',
        'INVALID_VALUE',
        'Role must be one of admin, manager, member',
      ],
      [
        'x@example.com',
        'Ada',
        'Lovelace',
        'member',
        '',
        '',
        '',
        '5',
        'COLUMN_COUNT',
        'Row has 11 values but the header has 7 columns',
      ],
    ]);
    expect(
      harness.objects
        .text(chunkPartKey(task.importId, 'results', 0, harness.tasks.attemptOf(task.importId, 0)))
        ?.split('\r\n'),
    ).toEqual([
      '2,SUCCESS,,ok@example.com',
      '3,FAILED,"Role must be one of admin, manager, member",bad@example.com',
      '5,FAILED,Row has 11 values but the header has 7 columns,x@example.com',
      '',
    ]);
  });

  it('recovers from a malformed quote: only that row fails, and the rows around it keep their numbers', async () => {
    // Prepare
    const harness = createHarness();
    const csv = usersCsv([
      userRow(1),
      'q@example.com,"Ada" Jr,Lovelace,member,,,',
      'o@example.com,Miles,O"Brien,member,,,',
      'ml@example.com,"Multi\r\nline",Last,member,,,',
      userRow(2),
    ]);
    const { task, messages } = await validated(harness, csv);

    // Act
    await processChunk(harness.processDeps, only(messages));

    // Assess
    expect(await errorsOf(harness, task.importId)).toEqual([
      [
        3,
        'INVALID_FORMAT',
        'The first_name value has text after its closing quote: put the whole value in quotes and write each quote inside it as two quotes ("")',
      ],
    ]);
    expect(harness.records.records.get('users#o@example.com')?.data.last_name).toBe('O"Brien');
    expect(harness.records.records.get('users#ml@example.com')?.rowNumber).toBe(5);
    expect(harness.records.records.get('users#user2@example.com')?.rowNumber).toBe(6);
  });

  it('upserts for an upsert template, so a second import updates the record', async () => {
    // Prepare
    const harness = createHarness();
    const header = 'code,name,budget';
    const first = await validated(harness, `${header}\r\neng,Engineering,100\r\n`, {
      templateId: 'departments',
    });
    await processChunk(harness.processDeps, only(first.messages));
    const second = await validated(harness, `${header}\r\nENG,Engineering & Ops,250.50\r\n`, {
      templateId: 'departments',
    });

    // Act
    await processChunk(harness.processDeps, only(second.messages));

    // Assess
    expect(harness.records.records.get('departments#ENG')).toMatchObject({
      importId: second.task.importId,
      data: { code: 'ENG', name: 'Engineering & Ops', budget: 250.5, active: true },
    });
    expect(await storedTask(harness, second.task.importId)).toMatchObject({ successCount: 1, errorCount: 0 });
  });

  describe('idempotency', () => {
    it('counts once and writes once when the same chunk is delivered twice', async () => {
      // Prepare
      const harness = createHarness({ CHUNK_MAX_ROWS: 2 });
      const { task, messages } = await validated(harness, usersCsv([userRow(1), userRow(2), userRow(3)]));
      const insert = jest.spyOn(harness.records, 'insert');
      const [firstChunk] = messages;
      if (!firstChunk) throw new Error('no chunk');

      // Act
      const outcomes = [
        await processChunk(harness.processDeps, firstChunk),
        await processChunk(harness.processDeps, firstChunk),
      ];

      // Assess
      expect(outcomes).toEqual(['processed', 'recounted']);
      expect(insert).toHaveBeenCalledTimes(2);
      expect(await storedTask(harness, task.importId)).toMatchObject({
        processedRows: 2,
        successCount: 2,
        chunksDone: 1,
      });
      expect(harness.finalize.sent).toEqual([]);
    });

    it('finishes a chunk whose first attempt died after writing rows: its own rows still succeed', async () => {
      // Prepare
      const harness = createHarness();
      const { task, messages } = await validated(harness, usersCsv([userRow(1), userRow(2)]));
      jest.spyOn(harness.tasks, 'putChunkResult').mockRejectedValueOnce(new Error('DynamoDB throttled'));

      // Act
      await expect(processChunk(harness.processDeps, only(messages))).rejects.toThrow('DynamoDB throttled');
      await processChunk(harness.processDeps, only(messages));

      // Assess
      expect(await storedTask(harness, task.importId)).toMatchObject({
        processedRows: 2,
        successCount: 2,
        errorCount: 0,
      });
      expect(harness.finalize.sent).toHaveLength(1);
    });

    it('sends finalize again when a counted last chunk is redelivered', async () => {
      // Prepare
      const harness = createHarness();
      const { messages } = await validated(harness, usersCsv([userRow(1)]));
      await processChunk(harness.processDeps, only(messages));

      // Act
      await processChunk(harness.processDeps, only(messages));

      // Assess
      expect(harness.finalize.sent).toHaveLength(2);
    });
  });

  it('gives the chunk back (throws) when the record store keeps failing, recording nothing', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1), userRow(2)]));
    harness.records.failingKeys.add('user2@example.com');

    // Act
    const attempt = processChunk(harness.processDeps, only(messages));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RecordStoreUnavailableError);
    expect(await harness.tasks.getChunkResult(task.importId, 0)).toBeUndefined();
    expect(await storedTask(harness, task.importId)).toMatchObject({ processedRows: 0, chunksDone: 0 });
    expect([...harness.objects.objects.keys()].filter((key) => key.includes('/parts/'))).toEqual([]);
  });

  it('retries a write that fails once and then succeeds', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1)]));
    const insert = harness.records.insert.bind(harness.records);
    jest
      .spyOn(harness.records, 'insert')
      .mockRejectedValueOnce(new Error('ProvisionedThroughputExceeded'))
      .mockImplementation(insert);

    // Act
    await processChunk(harness.processDeps, only(messages));

    // Assess
    expect(await storedTask(harness, task.importId)).toMatchObject({ successCount: 1, errorCount: 0 });
  });

  it('acks a chunk of a finished import, retries one whose import is not PROCESSING yet, fails a missing import', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1)]));
    const message = only(messages);

    // Act + Assess
    await harness.tasks.update(task.importId, { status: 'VALIDATING' });
    await expect(processChunk(harness.processDeps, message)).rejects.toMatchObject({
      code: PipelineErrorCode.NOT_READY,
    });
    await harness.tasks.update(task.importId, { status: 'FAILED' });
    await expect(processChunk(harness.processDeps, message)).resolves.toBe('already-final');
    await expect(
      processChunk(harness.processDeps, { ...message, importId: 'missing-import-id' }),
    ).rejects.toMatchObject({ code: PipelineErrorCode.TASK_NOT_FOUND });
    expect(harness.records.records.size).toBe(0);
  });
});
