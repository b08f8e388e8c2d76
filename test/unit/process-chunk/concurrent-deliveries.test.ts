import { randomUUID } from 'node:crypto';
import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import type { ChunkMessage, TaskRecord } from '../../../lambdas/shared/model';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from '../validate-file/harness';

/**
 * At-least-once delivery, at the same moment: the idempotency table (docs/idempotency.md) promises that two deliveries
 * of one chunk running side by side, and two imports inserting the same keys side by side, still come out
 * exact. The chaos run cannot make either happen on purpose (the local poller keeps a running chunk hidden).
 */

const validated = async (harness: Harness, csv: string, overrides: Partial<TaskRecord> = {}) => {
  const task = await givenUpload(harness, csv, overrides);
  await validateFile(harness.validateDeps, task.objectKey);
  const messages = harness.chunks.sent.filter((message) => message.importId === task.importId);
  if (messages.length === 0) throw new Error('validation sent no chunks');
  return { task, messages };
};

const rows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => userRow(from + index));

describe('processChunk under concurrent deliveries', () => {
  it('counts and commits a chunk once when two deliveries of it run at the same time', async () => {
    // Prepare
    const harness = createHarness({ CHUNK_MAX_ROWS: 40, WRITE_BATCH_SIZE: 5 });
    const { task, messages } = await validated(harness, usersCsv(rows(1, 40)));
    const chunk = messages[0] as ChunkMessage;

    // Act
    const outcomes = await Promise.all([
      processChunk(harness.processDeps, chunk),
      processChunk(harness.processDeps, chunk),
    ]);

    // Assess
    expect(outcomes.sort()).toEqual(['processed', 'processed']);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      processedRows: 40,
      successCount: 40,
      errorCount: 0,
      chunksDone: 1,
    });
    const owners = [...harness.records.records.values()].map((record) => [record.importId, record.rowNumber]);
    expect(owners).toHaveLength(40);
    expect(new Set(owners.map(([importId]) => importId))).toEqual(new Set([task.importId]));
    expect((await harness.tasks.getChunkResult(task.importId, 0))?.errors).toEqual([]);
    expect(harness.finalize.sent.length).toBeGreaterThanOrEqual(1);
  });

  it('lets exactly one of two imports racing on the same keys commit each key', async () => {
    // Prepare: both files hold users 1-30; the second also has 31-40 of its own.
    const harness = createHarness({ CHUNK_MAX_ROWS: 50, WRITE_BATCH_SIZE: 5 });
    const [idA, idB] = [randomUUID(), randomUUID()];
    const first = await validated(harness, usersCsv(rows(1, 30)), { importId: idA });
    const second = await validated(harness, usersCsv(rows(1, 40)), { importId: idB });

    // Act
    await Promise.all([
      processChunk(harness.processDeps, first.messages[0] as ChunkMessage),
      processChunk(harness.processDeps, second.messages[0] as ChunkMessage),
    ]);

    // Assess
    const a = await storedTask(harness, idA);
    const b = await storedTask(harness, idB);
    expect(harness.records.records.size).toBe(40);
    const committedBy = (importId: string) =>
      [...harness.records.records.values()].filter((record) => record.importId === importId).length;
    expect(a.successCount).toBe(committedBy(idA));
    expect(b.successCount).toBe(committedBy(idB));
    expect(a.successCount + b.successCount).toBe(40);
    expect(a.errorCount + b.errorCount).toBe(30);
    const lost = [
      ...((await harness.tasks.getChunkResult(idA, 0))?.errors ?? []),
      ...((await harness.tasks.getChunkResult(idB, 0))?.errors ?? []),
    ];
    expect(new Set(lost.map((error) => error.errorType))).toEqual(new Set(['ALREADY_EXISTS']));
  });
});
