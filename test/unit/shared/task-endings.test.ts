import { finalOutcome } from '../../../lambdas/shared/final-outcome';
import { EndOutcome, endFromCounters } from '../../../lambdas/shared/task-endings';
import { aTask } from '../../helpers/factories';
import { FakeTaskStore } from '../../helpers/fakes';

const NOTE = 'the exceptions and Result Data reports could not be written (S3 unavailable)';
const logger = { info: jest.fn(), warn: jest.fn() };
const ENDED_AT = new Date('2026-11-22T11:00:00.000Z');

const counted = (overrides = {}) =>
  aTask({
    status: 'PROCESSING',
    chunkCount: 2,
    chunksDone: 2,
    totalRows: 10,
    processedRows: 10,
    successCount: 7,
    errorCount: 3,
    ...overrides,
  });

describe('endFromCounters', () => {
  it('gives a fully counted task its final status from its counters, saying its reports are missing', async () => {
    // Prepare
    const tasks = new FakeTaskStore();
    const task = counted();
    await tasks.create(task);

    // Act
    const { outcome } = await endFromCounters({ tasks, logger, now: () => ENDED_AT }, task.importId, NOTE);

    // Assess
    expect(outcome).toBe(EndOutcome.ENDED);
    expect(await tasks.get(task.importId)).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      statusReason:
        '3 of 10 rows failed: see the exceptions report; the exceptions and Result Data reports could not be written (S3 unavailable)',
      endedAt: ENDED_AT.toISOString(),
    });
  });

  it('leaves a task whose chunks are not all counted, and a final one, as they are', async () => {
    // Prepare
    const tasks = new FakeTaskStore();
    const uncounted = counted({ chunksDone: 1 });
    const final = counted({ status: 'COMPLETED' });
    await tasks.create(uncounted);
    await tasks.create(final);

    // Act
    const first = await endFromCounters({ tasks, logger }, uncounted.importId, NOTE);
    const second = await endFromCounters({ tasks, logger }, final.importId, NOTE);

    // Assess
    expect(first.outcome).toBe(EndOutcome.NOT_READY);
    expect(second.outcome).toBe(EndOutcome.ALREADY_FINAL);
    expect((await tasks.get(uncounted.importId))?.status).toBe('PROCESSING');
    expect((await tasks.get(final.importId))?.statusReason).toBeUndefined();
  });
});

describe('finalOutcome with rows given up on', () => {
  it('says how many rows were not imported because part of the file could not be processed', () => {
    expect(finalOutcome({ successCount: 0, errorCount: 4, systemErrorCount: 4 })).toEqual({
      status: 'FAILED',
      statusReason:
        'All 4 rows failed: see the exceptions report; 4 rows were not imported because part of the file could not be processed: import the exceptions file again',
    });
    expect(finalOutcome({ successCount: 5, errorCount: 0 }, 'the reports could not be written (x)')).toEqual({
      status: 'COMPLETED',
      statusReason: 'The reports could not be written (x)',
    });
  });
});
