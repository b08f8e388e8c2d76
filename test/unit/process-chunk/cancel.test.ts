import { finalizeImport } from '../../../lambdas/finalize-import/finalize-import';
import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import type { ChunkMessage, TaskRecord } from '../../../lambdas/shared/model';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from '../validate-file/harness';

/** A cancelled import (DESIGN §10), stage by stage, with the stores faked. */

const validated = async (harness: Harness, csv: string) => {
  const task = await givenUpload(harness, csv);
  await validateFile(harness.validateDeps, task.objectKey);
  const messages = harness.chunks.sent.filter((message) => message.importId === task.importId);
  return { task, messages };
};

/** Who cancelled, and when, as the cancel route records it. */
const CANCELLED: Partial<TaskRecord> = { cancelledBy: 'ada', cancelledAt: '2026-12-04T10:15:30.000Z' };

describe('a cancelled import', () => {
  it('commits none of the rows of a chunk processed after the cancel, and says who cancelled', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1), 'bad,,,', userRow(2)]));
    await harness.tasks.update(task.importId, CANCELLED);

    // Act
    await processChunk(harness.processDeps, messages[0] as ChunkMessage);

    // Assess
    expect(harness.records.records.size).toBe(0);
    const result = await harness.tasks.getChunkResult(task.importId, 0);
    expect(result).toMatchObject({ rowCount: 3, successCount: 0, errorCount: 3 });
    expect(result?.errors.filter((error) => error.errorType === 'SYSTEM')).toEqual([
      {
        rowNumber: 2,
        errorType: 'SYSTEM',
        message: 'Not imported: the import was cancelled by ada at 2026-12-04 10:15 UTC',
      },
      {
        rowNumber: 4,
        errorType: 'SYSTEM',
        message: 'Not imported: the import was cancelled by ada at 2026-12-04 10:15 UTC',
      },
    ]);
    // The broken row keeps its own problems: it would not have been imported anyway.
    expect(result?.errors.some((error) => error.rowNumber === 3 && error.errorType !== 'SYSTEM')).toBe(true);
    expect(await storedTask(harness, task.importId)).toMatchObject({ systemErrorCount: 2, errorCount: 3 });
  });

  it('counts as imported the rows an earlier attempt of the chunk committed before it crashed', async () => {
    // Prepare: the first attempt wrote row 2 and died (kill -9) before storing the chunk's result.
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1), userRow(2), userRow(3)]));
    await harness.records.insert('users', 'user1@example.com', {}, { importId: task.importId, rowNumber: 2 });
    await harness.tasks.update(task.importId, CANCELLED);

    // Act: the redelivery, after the cancel.
    await processChunk(harness.processDeps, messages[0] as ChunkMessage);

    // Assess
    expect([...harness.records.records.keys()]).toEqual(['users#user1@example.com']);
    expect(await harness.tasks.getChunkResult(task.importId, 0)).toMatchObject({
      successCount: 1,
      errorCount: 2,
    });
  });

  it('is retried, not guessed, when who wrote its rows cannot be read', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await validated(harness, usersCsv([userRow(1)]));
    await harness.tasks.update(task.importId, CANCELLED);
    harness.records.failingKeys.add('user1@example.com');

    // Act / Assess
    await expect(processChunk(harness.processDeps, messages[0] as ChunkMessage)).rejects.toThrow(
      'could not be read',
    );
    expect(await harness.tasks.getChunkResult(task.importId, 0)).toBeUndefined();
  });

  it('ends PARTIAL_SUCCESS with who cancelled and how to import the rest', async () => {
    // Prepare: chunk 0 committed before the cancel, chunk 1 after.
    const harness = createHarness({ CHUNK_MAX_ROWS: 2 });
    const { task, messages } = await validated(
      harness,
      usersCsv([userRow(1), userRow(2), userRow(3), userRow(4)]),
    );
    await processChunk(harness.processDeps, messages[0] as ChunkMessage);
    await harness.tasks.update(task.importId, CANCELLED);
    await processChunk(harness.processDeps, messages[1] as ChunkMessage);

    // Act
    await finalizeImport(
      { objects: harness.objects, tasks: harness.tasks, logger: harness.processDeps.logger },
      { kind: 'finalize', importId: task.importId },
    );

    // Assess
    expect(await storedTask(harness, task.importId)).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      successCount: 2,
      errorCount: 2,
      cancelledBy: 'ada',
      statusReason:
        'Cancelled by ada: 2 rows not imported (import the exceptions file to import them); 2 rows imported before the cancel',
    });
  });

  it('ends FAILED in validation, planning no chunk, when cancelled while its file was read', async () => {
    // Prepare: the cancel lands while validate-file reads the file.
    const harness = createHarness();
    const task = await givenUpload(harness, usersCsv([userRow(1)]));
    const getStream = harness.objects.getStream.bind(harness.objects);
    jest.spyOn(harness.objects, 'getStream').mockImplementation(async (key, start) => {
      await harness.tasks.update(task.importId, CANCELLED);
      return getStream(key, start);
    });

    // Act
    const outcome = await validateFile(harness.validateDeps, task.objectKey);

    // Assess
    expect(outcome).toBe('cancelled');
    expect(harness.chunks.sent).toEqual([]);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      status: 'FAILED',
      statusReason: 'Cancelled by ada while the file was being validated: nothing was imported',
      totalRows: 1,
    });
  });

  it('ends an emailed import cancelled while it waited for a slot when it starts, and hands it to the reply', async () => {
    // Prepare
    const harness = createHarness();
    const task = await givenUpload(harness, usersCsv([userRow(1)]), {
      source: 'email',
      email: { from: 'ada@example.com', subject: 'users', receivedAt: '2026-12-04T10:00:00.000Z' },
      ...CANCELLED,
    });

    // Act
    const outcome = await validateFile(harness.validateDeps, task.objectKey);

    // Assess
    expect(outcome).toBe('cancelled');
    expect(harness.chunks.sent).toEqual([]);
    expect(await storedTask(harness, task.importId)).toMatchObject({ status: 'FAILED', cancelledBy: 'ada' });
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId: task.importId }]);
  });
});
