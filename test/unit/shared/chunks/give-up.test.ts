import { parse } from 'csv-parse/sync';
import { finalizeImport } from '../../../../lambdas/finalize-import/finalize-import';
import { processChunk } from '../../../../lambdas/process-chunk/process-chunk';
import { RecordStoreUnavailableError } from '../../../../lambdas/process-chunk/write-records';
import {
  ChunkNotCountableError,
  GiveUpOutcome,
  giveUpChunk,
  shortCause,
} from '../../../../lambdas/shared/chunks/give-up';
import type { ChunkMessage, TaskRecord } from '../../../../lambdas/shared/model';
import { chunkPartKey, exceptionsKey, resultsKey, utf8DataKey } from '../../../../lambdas/shared/object-keys';
import { validateFile } from '../../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from '../../validate-file/harness';

const validated = async (
  harness: Harness,
  csv: string,
): Promise<{ task: TaskRecord; message: ChunkMessage }> => {
  const task = await givenUpload(harness, csv);
  await validateFile(harness.validateDeps, task.objectKey);
  const [message] = harness.chunks.sent.filter((sent) => sent.importId === task.importId);
  if (!message) throw new Error('validation sent no chunk');
  return { task, message };
};

const WHY = 'failed 5 times (the database did not accept its rows)';

describe('giveUpChunk', () => {
  it('never mixes its outputs with a live attempt of the same chunk: reports, row errors and counts come from the attempt stored first', async () => {
    // Prepare: the watchdog gives the chunk up while a redriven message of it is already being processed,
    // after the live attempt has read its rows and before it commits them.
    const harness = createHarness();
    const csv = usersCsv([userRow(1), userRow(2), 'bad-email,A,B,member,,,']);
    const { task, message } = await validated(harness, csv);
    const insertBatch = harness.records.insertBatch.bind(harness.records);
    let raced = false;
    jest.spyOn(harness.records, 'insertBatch').mockImplementation(async (templateId, records) => {
      if (!raced) {
        raced = true;
        await giveUpChunk(harness.processDeps, message, WHY);
      }
      return insertBatch(templateId, records);
    });

    // Act
    const outcome = await processChunk(harness.processDeps, message);
    const partsLeft = [...harness.objects.objects.keys()].filter((key) => key.includes('/parts/')).sort();
    const finalized = await finalizeImport(
      { objects: harness.objects, tasks: harness.tasks, logger: harness.processDeps.logger },
      { kind: 'finalize', importId: task.importId },
    );

    // Assess: the give-up's result stands (every row to write SYSTEM, the bad row its own error) …
    expect(outcome).toBe('processed');
    const standing = await harness.tasks.getChunkResult(task.importId, 0);
    expect(standing?.errors.map((error) => [error.rowNumber, error.errorType])).toEqual([
      [2, 'SYSTEM'],
      [3, 'SYSTEM'],
      [4, 'INVALID_FORMAT'],
    ]);
    // … and everything the admin sees says the same: counts, the errors API and both reports.
    expect(finalized).toMatchObject({ processedRows: 3, successCount: 0, errorCount: 3 });
    const listed = await harness.tasks.listRowErrors(task.importId, 100);
    expect(listed.items).toEqual(standing?.errors);
    const exceptions = parse(
      harness.objects.text(exceptionsKey(task.importId))?.replace(/^\uFEFF/, '') ?? '',
    );
    expect(exceptions.slice(1).map((row: string[]) => [row.at(-3), row.at(-2)])).toEqual([
      ['2', 'SYSTEM'],
      ['3', 'SYSTEM'],
      ['4', 'INVALID_FORMAT'],
    ]);
    const results = parse(harness.objects.text(resultsKey(task.importId))?.replace(/^\uFEFF/, '') ?? '');
    expect(results.slice(1).map((row: string[]) => row.slice(0, 2))).toEqual([
      ['2', 'FAILED'],
      ['3', 'FAILED'],
      ['4', 'FAILED'],
    ]);
    // Only the standing attempt's parts were left for finalize: the live one removed its own once refused.
    expect(partsLeft).toEqual([
      chunkPartKey(task.importId, 'exceptions', 0, standing?.attempt),
      chunkPartKey(task.importId, 'results', 0, standing?.attempt),
    ]);
  });

  it('reports rows not committed as SYSTEM, counts committed ones as SUCCESS, keeps real row errors, and finalizes', async () => {
    // Prepare
    const harness = createHarness();
    const csv = usersCsv([userRow(1), userRow(2), 'bad-email,A,B,member,,,', userRow(4)]);
    const { task, message } = await validated(harness, csv);
    harness.records.failingKeys.add('user2@example.com');
    await expect(processChunk(harness.processDeps, message)).rejects.toBeInstanceOf(
      RecordStoreUnavailableError,
    );

    // Act
    const outcome = await giveUpChunk(harness.processDeps, message, WHY);

    // Assess
    expect(outcome).toBe(GiveUpOutcome.GIVEN_UP);
    const result = await harness.tasks.getChunkResult(task.importId, 0);
    expect(result?.errors.map((error) => [error.rowNumber, error.errorType])).toEqual([
      [3, 'SYSTEM'],
      [4, 'INVALID_FORMAT'],
      // Row 5 came after the failing write in its batch: never committed.
      [5, 'SYSTEM'],
    ]);
    expect(result?.errors[0]?.message).toBe(
      "Not imported: this row's part of the file failed 5 times (the database did not accept its rows). Import it again from the exceptions file.",
    );
    expect(await storedTask(harness, task.importId)).toMatchObject({
      totalRows: 4,
      processedRows: 4,
      successCount: 1,
      errorCount: 3,
      systemErrorCount: 2,
      chunksDone: 1,
    });
    const exceptions = parse(
      harness.objects.text(
        chunkPartKey(task.importId, 'exceptions', 0, harness.tasks.attemptOf(task.importId, 0)),
      ) ?? '',
    );
    expect(exceptions[0]?.slice(0, 2)).toEqual(['user2@example.com', 'First2']);
    expect(exceptions[0]?.slice(-3, -1)).toEqual(['3', 'SYSTEM']);
    expect(
      harness.objects.text(
        chunkPartKey(task.importId, 'results', 0, harness.tasks.attemptOf(task.importId, 0)),
      ),
    ).toMatch(/^2,SUCCESS,,user1@example.com\r\n3,FAILED,/);
    expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
  });

  it('counts a row an earlier attempt committed as SUCCESS', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1), userRow(2)]));
    await harness.records.insert('users', 'user2@example.com', {}, { importId: task.importId, rowNumber: 3 });
    harness.records.failingKeys.add('user1@example.com');

    // Act
    await giveUpChunk(harness.processDeps, message, WHY);

    // Assess
    expect(await storedTask(harness, task.importId)).toMatchObject({ successCount: 1, errorCount: 1 });
    expect(
      (await harness.tasks.getChunkResult(task.importId, 0))?.errors.map((error) => error.rowNumber),
    ).toEqual([2]);
  });

  it('reports a row whose key another import holds as ALREADY_EXISTS, not SYSTEM', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1)]));
    await harness.records.insert(
      'users',
      'user1@example.com',
      {},
      { importId: 'someone-else', rowNumber: 7 },
    );

    // Act
    await giveUpChunk(harness.processDeps, message, WHY);

    // Assess
    expect(
      (await harness.tasks.getChunkResult(task.importId, 0))?.errors.map((error) => error.errorType),
    ).toEqual(['ALREADY_EXISTS']);
  });

  it('counts the rows of an unreadable chunk from its message, by row number, skipping its blank rows', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(
      harness,
      usersCsv([userRow(1), '', userRow(3), ',,,,,,', userRow(5)]),
    );
    await harness.objects.delete(message.dataKey);
    await harness.objects.delete(utf8DataKey(task.importId));

    // Act
    const outcome = await giveUpChunk(
      harness.processDeps,
      message,
      "failed 5 times (the file's data could not be read)",
    );

    // Assess
    expect(outcome).toBe(GiveUpOutcome.GIVEN_UP);
    expect(message).toMatchObject({ rowCount: 3, blankRows: [3, 5] });
    expect(
      (await harness.tasks.getChunkResult(task.importId, 0))?.errors.map((error) => error.rowNumber),
    ).toEqual([2, 4, 6]);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      totalRows: 3,
      processedRows: 3,
      errorCount: 3,
    });
    const exceptions = parse(
      harness.objects.text(
        chunkPartKey(task.importId, 'exceptions', 0, harness.tasks.attemptOf(task.importId, 0)),
      ) ?? '',
    );
    expect(exceptions[0]).toEqual([
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '2',
      'SYSTEM',
      expect.stringContaining('could not be read'),
    ]);
  });

  it('counts a result that is already stored instead of rewriting it', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1)]));
    const stored = {
      importId: task.importId,
      chunkIndex: 0,
      firstRowNumber: 2,
      rowCount: 1,
      successCount: 1,
      errorCount: 0,
      errors: [],
    };
    await harness.tasks.putChunkResult(stored);

    // Act
    const outcome = await giveUpChunk(harness.processDeps, message, WHY);

    // Assess
    expect(outcome).toBe(GiveUpOutcome.COUNTED_EXISTING);
    expect(await harness.tasks.getChunkResult(task.importId, 0)).toEqual(stored);
    expect(await storedTask(harness, task.importId)).toMatchObject({ processedRows: 1, successCount: 1 });
  });

  it('counts a chunk once however often it is given up', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1), userRow(2)]));
    harness.records.failingKeys.add('user1@example.com');

    // Act
    await giveUpChunk(harness.processDeps, message, WHY);
    await giveUpChunk(harness.processDeps, message, WHY);

    // Assess
    expect(await storedTask(harness, task.importId)).toMatchObject({ processedRows: 2, chunksDone: 1 });
  });

  it('leaves a final task alone, and a task not processing to the watchdog', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1)]));
    await harness.tasks.update(task.importId, { status: 'COMPLETED' });
    const pending = await givenUpload(harness, usersCsv([userRow(2)]));

    // Act
    const final = await giveUpChunk(harness.processDeps, message, WHY);
    const notYet = await giveUpChunk(harness.processDeps, { ...message, importId: pending.importId }, WHY);

    // Assess
    expect(final).toBe(GiveUpOutcome.ALREADY_FINAL);
    expect(notYet).toBe(GiveUpOutcome.NOT_PROCESSING);
    expect(harness.tasks.chunkResults.size).toBe(0);
  });

  it('refuses to guess the rows of an unreadable chunk whose message has no row count', async () => {
    // Prepare
    const harness = createHarness();
    const { message } = await validated(harness, usersCsv([userRow(1)]));
    await harness.objects.delete(message.dataKey);
    const { rowCount: _rowCount, ...old } = message;

    // Act
    const attempt = giveUpChunk(harness.processDeps, old, WHY);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ChunkNotCountableError);
  });
});

describe('processChunk on a final task', () => {
  it('drops the message (acks it) without touching anything', async () => {
    // Prepare
    const harness = createHarness();
    const { task, message } = await validated(harness, usersCsv([userRow(1)]));
    await harness.tasks.update(task.importId, { status: 'FAILED' });

    // Act
    const outcome = await processChunk(harness.processDeps, message);

    // Assess
    expect(outcome).toBe('already-final');
    expect(harness.records.records.size).toBe(0);
    expect(harness.tasks.counted.size).toBe(0);
  });
});

describe('shortCause', () => {
  it('names the cause without internals', () => {
    expect(shortCause(new RecordStoreUnavailableError(2, 8, { cause: new Error('x') }))).toBe(
      'the database did not accept its rows',
    );
    expect(shortCause(Object.assign(new Error('NoSuchKey work/x'), { name: 'NoSuchKey' }))).toBe(
      "the file's data could not be read",
    );
    expect(shortCause(Object.assign(new Error('UnknownError'), { $metadata: { httpStatusCode: 416 } }))).toBe(
      'the file changed after it was checked',
    );
    expect(shortCause(new Error('socket hang up'))).toBe('an internal error');
  });
});
