import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import { watchdogTimeoutSettings } from '../../../lambdas/shared/config';
import { PART_URL_TTL_SECONDS } from '../../../lambdas/shared/links';
import type { TaskRecord } from '../../../lambdas/shared/model';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { formatDuration, runWatchdog, type WatchdogDeps } from '../../../lambdas/watchdog/watchdog';
import { userRow, usersCsv } from '../../helpers/factories';
import { FakeOpenTaskIndex } from '../../helpers/fakes';
import { createHarness, givenUpload, type Harness, storedTask } from '../validate-file/harness';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const TIMEOUTS = {
  WATCHDOG_PENDING_TIMEOUT_SECONDS: 600,
  WATCHDOG_VALIDATING_TIMEOUT_SECONDS: 300,
  WATCHDOG_PROCESSING_TIMEOUT_SECONDS: 120,
  WATCHDOG_FINALIZING_TIMEOUT_SECONDS: 60,
};
const secondsAgo = (seconds: number, from = NOW) => new Date(from.getTime() - seconds * 1000).toISOString();

const watchdog = (harness: Harness, now = NOW, timeouts = TIMEOUTS): WatchdogDeps => ({
  openTasks: FakeOpenTaskIndex.of(harness.tasks),
  forAccount: () => ({ ...harness.processDeps, chunks: harness.chunks, timeouts, now: () => now }),
  logger: harness.processDeps.logger,
});

/** A validated import of `rows` users, one chunk per row, every chunk not yet processed. */
const processing = async (harness: Harness, rows: number, overrides: Partial<TaskRecord> = {}) => {
  const task = await givenUpload(
    harness,
    usersCsv(Array.from({ length: rows }, (_, index) => userRow(index + 1))),
    overrides,
  );
  await validateFile(harness.validateDeps, task.objectKey);
  return { task, messages: harness.chunks.sent.filter((message) => message.importId === task.importId) };
};

describe('runWatchdog', () => {
  it('ends an upload left PENDING past its timeout, aborting its multipart upload, and leaves a recent one', async () => {
    // Prepare
    const harness = createHarness();
    const uploadId = await harness.objects.createMultipartUpload('uploads/x/users.csv');
    const idle = await givenUpload(harness, 'x', { uploadId, updatedAt: secondsAgo(601) });
    await harness.objects.delete(idle.objectKey);
    const recent = await givenUpload(harness, 'x', { updatedAt: secondsAgo(599) });

    // Act
    const summary = await runWatchdog(watchdog(harness));

    // Assess
    expect(summary.actions).toEqual([
      { account: 'default', importId: idle.importId, status: 'PENDING', action: 'upload-ended' },
    ]);
    expect(await storedTask(harness, idle.importId)).toMatchObject({
      status: 'FAILED',
      statusReason: 'The upload was not completed within 10 minutes: upload the file again',
      endedAt: NOW.toISOString(),
    });
    expect(harness.objects.uploads.has(uploadId)).toBe(false);
    expect((await storedTask(harness, recent.importId)).status).toBe('PENDING');
  });

  it('says so when the file was uploaded but its check never started', async () => {
    // Prepare
    const harness = createHarness();
    const task = await givenUpload(harness, usersCsv([userRow(1)]), { updatedAt: secondsAgo(601) });

    // Act
    await runWatchdog(watchdog(harness));

    // Assess
    expect((await storedTask(harness, task.importId)).statusReason).toBe(
      'The file was uploaded but its check did not start within 10 minutes: upload the file again',
    );
  });

  it('ends a check left VALIDATING, and hands an emailed task to the reply step', async () => {
    // Prepare
    const harness = createHarness();
    const task = await givenUpload(harness, 'x', {
      status: 'VALIDATING',
      source: 'email',
      updatedAt: secondsAgo(301),
    });

    // Act
    await runWatchdog(watchdog(harness));

    // Assess
    expect(await storedTask(harness, task.importId)).toMatchObject({
      status: 'FAILED',
      statusReason: 'The file check did not finish within 5 minutes: upload the file again',
    });
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId: task.importId }]);
  });

  it('gives up the uncounted chunks of an idle import with exact counts, and its last one sends finalize', async () => {
    // Prepare
    const harness = createHarness({ CHUNK_MAX_ROWS: 1 });
    const { task, messages } = await processing(harness, 3);
    const [first] = messages;
    if (!first) throw new Error('no chunk');
    await processChunk(harness.processDeps, first);
    await harness.tasks.update(task.importId, { updatedAt: secondsAgo(121) });

    // Act
    const summary = await runWatchdog(watchdog(harness));

    // Assess
    expect(summary.actions).toEqual([
      { account: 'default', importId: task.importId, status: 'PROCESSING', action: 'chunks-given-up' },
    ]);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      totalRows: 3,
      processedRows: 3,
      successCount: 1,
      errorCount: 2,
      systemErrorCount: 2,
      chunksDone: 3,
    });
    expect((await harness.tasks.getChunkResult(task.importId, 2))?.errors[0]?.message).toBe(
      "Not imported: this row's part of the file was not finished within 2 minutes. Import it again from the exceptions file.",
    );
    expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
  });

  it.each([
    ['the local test timeouts', TIMEOUTS],
    ["AWS's timeouts (72 minutes, before the intake redelivery at 90)", watchdogTimeoutSettings.parse({})],
  ])(
    'sends the chunks of a plan validate-file never finished sending before giving anything up, with %s',
    async (_label, timeouts) => {
      // Prepare: validate-file died after PROCESSING, having sent only the first chunk.
      const harness = createHarness({ CHUNK_MAX_ROWS: 1 });
      const { task, messages } = await processing(harness, 3);
      const [first] = messages;
      if (!first) throw new Error('no chunk');
      await harness.tasks.update(task.importId, { chunksEnqueued: false });
      harness.chunks.sent.length = 0;
      await processChunk(harness.processDeps, first);
      const limit = timeouts.WATCHDOG_PROCESSING_TIMEOUT_SECONDS;
      const idleSince = new Date(NOW.getTime() - (limit + 1) * 1000);
      await harness.tasks.update(task.importId, { updatedAt: idleSince.toISOString() });

      // Act
      const resent = await runWatchdog(watchdog(harness, NOW, timeouts));
      const soon = await runWatchdog(
        watchdog(harness, new Date(NOW.getTime() + (limit - 1) * 1000), timeouts),
      );
      const later = await runWatchdog(
        watchdog(harness, new Date(NOW.getTime() + (limit + 1) * 1000), timeouts),
      );

      // Assess: the two never sent go out once; nothing is given up until they too sat out a whole timeout.
      expect(resent.actions).toEqual([
        { account: 'default', importId: task.importId, status: 'PROCESSING', action: 'chunks-resent' },
      ]);
      expect(harness.chunks.sent.map((message) => message.chunkIndex)).toEqual([1, 2]);
      expect(soon.actions).toEqual([]);
      expect(later.actions).toEqual([
        { account: 'default', importId: task.importId, status: 'PROCESSING', action: 'chunks-given-up' },
      ]);
      expect(await storedTask(harness, task.importId)).toMatchObject({
        chunksEnqueued: true,
        chunksDone: 3,
        successCount: 1,
        systemErrorCount: 2,
      });
    },
  );

  it('leaves an import whose chunks were counted recently alone', async () => {
    // Prepare
    const harness = createHarness();
    const { task } = await processing(harness, 1);
    await harness.tasks.update(task.importId, { updatedAt: secondsAgo(119) });

    // Act
    const summary = await runWatchdog(watchdog(harness));

    // Assess
    expect(summary).toEqual({ open: 1, actions: [], failures: [] });
    expect(harness.tasks.chunkResults.size).toBe(0);
  });

  it('re-sends finalize once for a counted import stuck in PROCESSING, then ends it from its counters', async () => {
    // Prepare
    const harness = createHarness();
    const { task, messages } = await processing(harness, 1);
    const [only] = messages;
    if (!only) throw new Error('no chunk');
    await processChunk(harness.processDeps, only);
    harness.finalize.sent.length = 0;
    await harness.tasks.update(task.importId, { updatedAt: secondsAgo(61) });

    // Act
    const first = await runWatchdog(watchdog(harness));
    const stored = await storedTask(harness, task.importId);
    await harness.tasks.update(task.importId, { updatedAt: secondsAgo(61) });
    const second = await runWatchdog(watchdog(harness));

    // Assess
    expect(first.actions.map((action) => action.action)).toEqual(['finalize-resent']);
    expect(stored).toMatchObject({ status: 'PROCESSING', finalizeResentAt: NOW.toISOString() });
    expect(harness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
    expect(second.actions.map((action) => action.action)).toEqual(['ended-from-counters']);
    expect(await storedTask(harness, task.importId)).toMatchObject({
      status: 'COMPLETED',
      statusReason: 'The exceptions and Result Data reports were not written within 60 seconds',
    });
  });

  it('reports a task it cannot end and still deals with the others', async () => {
    // Prepare
    const harness = createHarness();
    const broken = await givenUpload(harness, 'x', {
      status: 'PROCESSING',
      chunkCount: 1,
      updatedAt: secondsAgo(121),
    });
    const idle = await givenUpload(harness, 'x', { status: 'VALIDATING', updatedAt: secondsAgo(301) });

    // Act
    const summary = await runWatchdog(watchdog(harness));

    // Assess
    expect(summary.failures).toEqual([
      {
        account: 'default',
        importId: broken.importId,
        error: `Import ${broken.importId} is PROCESSING but has no chunk manifest`,
      },
    ]);
    expect((await storedTask(harness, idle.importId)).status).toBe('FAILED');
  });
});

describe('formatDuration', () => {
  it.each([
    [45, '45 seconds'],
    [600, '10 minutes'],
    [4 * 3600, '4 hours'],
    [16_200, '4.5 hours'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('deployed watchdog timeouts', () => {
  it('wait out visibility × (max receives + 1) of their queue, and the upload URLs first for PENDING', () => {
    // Act
    const settings = watchdogTimeoutSettings.parse({});

    // Assess
    expect(settings).toEqual({
      WATCHDOG_PENDING_TIMEOUT_SECONDS: PART_URL_TTL_SECONDS + 5400 * 4,
      WATCHDOG_VALIDATING_TIMEOUT_SECONDS: 5400 * 4,
      WATCHDOG_PROCESSING_TIMEOUT_SECONDS: 720 * 6,
      WATCHDOG_FINALIZING_TIMEOUT_SECONDS: 5400 * 4,
    });
  });
});
