import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { createHarness, givenUpload, type Harness, storedTask } from '../validate-file/harness';

/**
 * Chunk windows (DESIGN §11, a fair share of the workers): an import keeps `chunkWindow` chunks on the
 * queue, validation sends the first ones and counting chunk i sends chunk i + window.
 */

const rows = (count: number) => Array.from({ length: count }, (_, index) => userRow(index + 1));

/** Works the chunks queue like the workers do, in the order given by `pick`, until it is empty. */
const drain = async (harness: Harness, pick: (queued: number) => number = () => 0) => {
  const processed: number[] = [];
  let queue = [...harness.chunks.sent];
  harness.chunks.sent.length = 0;
  while (queue.length > 0) {
    const [message] = queue.splice(pick(queue.length), 1);
    if (!message) break;
    await processChunk(harness.processDeps, message);
    processed.push(message.chunkIndex);
    queue = [...queue, ...harness.chunks.sent];
    harness.chunks.sent.length = 0;
  }
  return processed;
};

describe('chunk windows', () => {
  it('keeps at most the window queued, sends each next chunk as one is counted, and counts every row once', async () => {
    // Prepare: 7 chunks of 2 rows, a window of 3
    const harness = createHarness({ CHUNK_MAX_ROWS: 2, CHUNK_WINDOW: 3 });
    const task = await givenUpload(harness, usersCsv(rows(13)));

    // Act
    await validateFile(harness.validateDeps, task.objectKey);
    const firstSent = harness.chunks.sent.map((message) => message.chunkIndex);
    const stored = await storedTask(harness, task.importId);
    const processed = await drain(harness, (queued) => queued - 1);

    // Assess
    expect(stored).toMatchObject({ chunkCount: 7, chunkWindow: 3 });
    expect(firstSent).toEqual([0, 1, 2]);
    expect([...processed].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      processedRows: 13,
      successCount: 13,
      chunksDone: 7,
    });
    expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
  });

  it('sends the next chunk again for a redelivered count only while that chunk is not counted', async () => {
    // Prepare
    const harness = createHarness({ CHUNK_MAX_ROWS: 2, CHUNK_WINDOW: 2 });
    const task = await givenUpload(harness, usersCsv(rows(8)));
    await validateFile(harness.validateDeps, task.objectKey);
    const [first] = harness.chunks.sent;
    if (!first) throw new Error('no first chunk');
    harness.chunks.sent.length = 0;

    // Act
    await processChunk(harness.processDeps, first);
    const afterFirst = harness.chunks.sent.map((message) => message.chunkIndex);
    await processChunk(harness.processDeps, first);
    const afterRedelivery = harness.chunks.sent.map((message) => message.chunkIndex);
    const [next] = harness.chunks.sent;
    if (!next) throw new Error('no next chunk');
    await processChunk(harness.processDeps, next);
    harness.chunks.sent.length = 0;
    await processChunk(harness.processDeps, first);

    // Assess
    expect(afterFirst).toEqual([2]);
    expect(afterRedelivery).toEqual([2, 2]);
    expect(harness.chunks.sent.map((message) => message.chunkIndex)).toEqual([]);
    expect(await storedTask(harness, task.importId)).toMatchObject({ processedRows: 4, chunksDone: 2 });
  });

  it('shares the account’s window between its imports in flight, and sends a file within it whole', async () => {
    // Prepare: two imports holding slots, a window of 4 for the account
    const harness = createHarness({ CHUNK_MAX_ROWS: 2, CHUNK_WINDOW: 4 });
    const first = await givenUpload(harness, usersCsv(rows(20)));
    const second = await givenUpload(harness, usersCsv(rows(20).map((row) => row.replace('user', 'other'))));
    const small = await givenUpload(harness, usersCsv([userRow(99)]));

    // Act
    await validateFile(harness.validateDeps, first.objectKey);
    await validateFile(harness.validateDeps, second.objectKey);
    await validateFile(harness.validateDeps, small.objectKey);

    // Assess: the first alone had 4; the second shares with the first (2 each); the small one has 1 chunk
    expect((await storedTask(harness, first.importId)).chunkWindow).toBe(4);
    expect((await storedTask(harness, second.importId)).chunkWindow).toBe(2);
    expect((await storedTask(harness, small.importId)).chunkWindow).toBeUndefined();
    const sentOf = (importId: string) =>
      harness.chunks.sent.filter((message) => message.importId === importId).length;
    expect([sentOf(first.importId), sentOf(second.importId), sentOf(small.importId)]).toEqual([4, 2, 1]);
  });
});
