import { randomUUID } from 'node:crypto';
import { type FinalizeDeps, finalizeImport } from '../../../lambdas/finalize-import/finalize-import';
import type { TaskRecord } from '../../../lambdas/shared/model';
import {
  chunkPartKey,
  exceptionsKey,
  manifestKey,
  resultsKey,
  utf8DataKey,
} from '../../../lambdas/shared/object-keys';
import { PipelineError, PipelineErrorCode } from '../../../lambdas/shared/pipeline-error';
import { exceptionLine, REPORT_BOM, resultLine } from '../../../lambdas/shared/reports';
import { aTask } from '../../helpers/factories';
import { FakeObjectStore, FakeTaskStore } from '../../helpers/fakes';

const HEADER = ['email', 'first_name', 'last_name', 'role'];
const EXCEPTIONS_HEADER = 'email,first_name,last_name,role,row_number,error_type,error_message\r\n';
const RESULTS_HEADER = 'row_number,status,reason,email\r\n';
const ENDED_AT = new Date('2026-11-22T10:05:00.000Z');

interface Setup {
  task: TaskRecord;
  objects: FakeObjectStore;
  tasks: FakeTaskStore;
  deps: FinalizeDeps;
  logger: { info: jest.Mock; warn: jest.Mock };
  /** Report parts as the chunk workers wrote them, per chunk. */
  parts: { exceptions: string[]; results: string[] };
}

/** A PROCESSING task whose chunks are all counted, with one failed and one good row per chunk. */
const setup = async (overrides: Partial<TaskRecord> = {}): Promise<Setup> => {
  const chunkCount = overrides.chunkCount ?? 2;
  const task = aTask({
    status: 'PROCESSING',
    header: HEADER,
    chunkCount,
    chunksDone: chunkCount,
    totalRows: chunkCount * 2,
    processedRows: chunkCount * 2,
    successCount: chunkCount,
    errorCount: chunkCount,
    ...overrides,
  });
  const objects = new FakeObjectStore();
  const tasks = new FakeTaskStore();
  await tasks.create(task);
  await objects.put(task.objectKey, 'email,first_name,last_name,role\r\n', 'text/csv');
  await objects.put(manifestKey(task.importId), '{}', 'application/json');
  const parts = { exceptions: [] as string[], results: [] as string[] };
  for (let chunk = 0; chunk < chunkCount; chunk += 1) {
    const bad = 2 + chunk * 2;
    const exceptions = exceptionLine(
      HEADER,
      [`user${bad}@example.com`, 'Ada', '', 'member'],
      [{ rowNumber: bad, errorType: 'REQUIRED', message: 'Last name is required' }],
    );
    const results =
      resultLine(bad, 'FAILED', 'Last name is required', `user${bad}@example.com`) +
      resultLine(bad + 1, 'SUCCESS', '', `user${bad + 1}@example.com`);
    parts.exceptions.push(exceptions);
    parts.results.push(results);
    await objects.put(chunkPartKey(task.importId, 'exceptions', chunk), exceptions, 'text/csv');
    await objects.put(chunkPartKey(task.importId, 'results', chunk), results, 'text/csv');
  }
  const logger = { info: jest.fn(), warn: jest.fn() };
  return { task, objects, tasks, logger, parts, deps: { objects, tasks, logger, now: () => ENDED_AT } };
};

/** Sets fields on the stored task as they are, undefined included (the fake's update skips those). */
const overwrite = (tasks: FakeTaskStore, importId: string, fields: Partial<TaskRecord>): void => {
  const stored = tasks.tasks.get(importId);
  if (!stored) throw new Error(`no task ${importId}`);
  tasks.tasks.set(importId, { ...stored, ...fields });
};

const finalizeMessage = (importId: string) => ({ kind: 'finalize' as const, importId });

const workKeys = (objects: FakeObjectStore, importId: string) =>
  [...objects.objects.keys()].filter((key) => key.startsWith(`work/${importId}/`));

describe('finalizeImport', () => {
  it('writes both reports from the parts in chunk order and ends PARTIAL_SUCCESS', async () => {
    // Prepare
    const { task, objects, tasks, deps, parts } = await setup({
      chunkCount: 3,
      processedRows: 1000,
      totalRows: 1000,
      successCount: 988,
      errorCount: 12,
    });

    // Act
    const finalTask = await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(objects.text(exceptionsKey(task.importId))).toBe(
      REPORT_BOM + EXCEPTIONS_HEADER + parts.exceptions.join(''),
    );
    expect(objects.text(resultsKey(task.importId))).toBe(
      REPORT_BOM + RESULTS_HEADER + parts.results.join(''),
    );
    expect(objects.objects.get(resultsKey(task.importId))?.contentType).toBe('text/csv; charset=utf-8');
    const stored = await tasks.get(task.importId);
    expect(stored).toMatchObject({
      status: 'PARTIAL_SUCCESS',
      statusReason: '12 of 1,000 rows failed: see the exceptions report',
      endedAt: ENDED_AT.toISOString(),
    });
    expect(finalTask).toEqual(stored);
  });

  it('ends COMPLETED with header-only exceptions when nothing failed', async () => {
    // Prepare
    const { task, objects, tasks, deps } = await setup({ chunkCount: 1, successCount: 2, errorCount: 0 });
    await objects.put(chunkPartKey(task.importId, 'exceptions', 0), '', 'text/csv');

    // Act
    await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(objects.text(exceptionsKey(task.importId))).toBe(REPORT_BOM + EXCEPTIONS_HEADER);
    const stored = await tasks.get(task.importId);
    expect(stored?.status).toBe('COMPLETED');
    expect(stored?.statusReason).toBeUndefined();
  });

  it('ends FAILED with the DESIGN reason when every row failed', async () => {
    // Prepare
    const { task, tasks, deps } = await setup({ successCount: 0, errorCount: 1000, processedRows: 1000 });

    // Act
    await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(await tasks.get(task.importId)).toMatchObject({
      status: 'FAILED',
      statusReason: 'All 1,000 rows failed: see the exceptions report',
    });
  });

  it('removes the parts, the manifest and the transcoded copy, and keeps the original and the reports', async () => {
    // Prepare
    const importId = randomUUID();
    const { task, objects, deps } = await setup({ importId, dataKey: utf8DataKey(importId) });
    await objects.put(utf8DataKey(importId), 'transcoded', 'text/csv');

    // Act
    await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(workKeys(objects, task.importId)).toEqual([]);
    expect([...objects.objects.keys()].sort()).toEqual(
      [task.objectKey, exceptionsKey(task.importId), resultsKey(task.importId)].sort(),
    );
  });

  it('acknowledges a task that is already final without touching anything', async () => {
    // Prepare
    const { task, objects, tasks, deps } = await setup({ status: 'COMPLETED', statusReason: 'done' });
    const before = new Map(objects.objects);

    // Act
    const result = await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(result.status).toBe('COMPLETED');
    expect(objects.objects).toEqual(before);
    expect((await tasks.get(task.importId))?.statusReason).toBe('done');
  });

  it('gives the same reports and status when the message arrives twice', async () => {
    // Prepare
    const { task, objects, tasks, deps } = await setup();
    await finalizeImport(deps, finalizeMessage(task.importId));
    const reports = [objects.text(exceptionsKey(task.importId)), objects.text(resultsKey(task.importId))];
    const stored = await tasks.get(task.importId);

    // Act
    const again = await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect([objects.text(exceptionsKey(task.importId)), objects.text(resultsKey(task.importId))]).toEqual(
      reports,
    );
    expect(again).toEqual(stored);
  });

  it('finishes on a retry after crashing between the reports and the status', async () => {
    // Prepare: the first attempt's status write fails, as if the function died there.
    const { task, objects, tasks, deps, parts } = await setup();
    const transition = jest.spyOn(tasks, 'transition').mockRejectedValueOnce(new Error('function timed out'));

    // Act
    await expect(finalizeImport(deps, finalizeMessage(task.importId))).rejects.toThrow('timed out');
    const partsKeptForRetry = workKeys(objects, task.importId).length;
    const finalTask = await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect(partsKeptForRetry).toBe(5);
    expect(transition).toHaveBeenCalledTimes(2);
    expect(finalTask.status).toBe('PARTIAL_SUCCESS');
    expect(objects.text(exceptionsKey(task.importId))).toBe(
      REPORT_BOM + EXCEPTIONS_HEADER + parts.exceptions.join(''),
    );
  });

  it('returns the concurrent outcome when another delivery finalized first', async () => {
    // Prepare: between this delivery's reports and its status write, another one ends the task.
    const { task, objects, tasks, deps } = await setup();
    const realTransition = tasks.transition.bind(tasks);
    jest.spyOn(tasks, 'transition').mockImplementationOnce(async (...args) => {
      await realTransition(task.importId, ['PROCESSING'], 'PARTIAL_SUCCESS', { statusReason: 'other' });
      return realTransition(...args);
    });

    // Act
    const result = await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess: nothing fails, and the other delivery owns the clean-up.
    expect(result).toMatchObject({ status: 'PARTIAL_SUCCESS', statusReason: 'other' });
    expect(workKeys(objects, task.importId)).toHaveLength(5);
  });

  it.each([
    ['still validating', { status: 'VALIDATING' as const }],
    ['chunks outstanding', { chunksDone: 1 }],
    ['no chunk count yet', { chunkCount: undefined, chunksDone: undefined }],
  ])('throws NOT_READY and writes nothing when %s', async (_case, overrides: Partial<TaskRecord>) => {
    // Prepare
    const { task, objects, tasks, deps } = await setup();
    overwrite(tasks, task.importId, overrides);

    // Act
    const attempt = finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: PipelineErrorCode.NOT_READY });
    expect(objects.text(exceptionsKey(task.importId))).toBeUndefined();
    expect((await tasks.get(task.importId))?.status).toBe(overrides.status ?? 'PROCESSING');
  });

  it('throws TASK_NOT_FOUND for an unknown import', async () => {
    // Prepare
    const { deps } = await setup();

    // Act
    const attempt = finalizeImport(deps, finalizeMessage('0b7c1c4e-0000-4000-8000-000000000000'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PipelineError);
    await expect(attempt).rejects.toMatchObject({ code: PipelineErrorCode.TASK_NOT_FOUND });
  });

  it('throws INCONSISTENT_TASK when validation stored no header', async () => {
    // Prepare
    const { task, tasks, deps } = await setup();
    overwrite(tasks, task.importId, { header: undefined });

    // Act / Assess
    await expect(finalizeImport(deps, finalizeMessage(task.importId))).rejects.toMatchObject({
      code: PipelineErrorCode.INCONSISTENT_TASK,
    });
  });

  it('throws on a missing part, stores no report and keeps the task and parts for the retry', async () => {
    // Prepare
    const { task, objects, tasks, deps } = await setup({ chunkCount: 3 });
    await objects.delete(chunkPartKey(task.importId, 'exceptions', 1));

    // Act
    const attempt = finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    await expect(attempt).rejects.toMatchObject({
      code: PipelineErrorCode.REPORT_PART_UNREADABLE,
      message: expect.stringContaining('exceptions-000001'),
    });
    expect(objects.text(exceptionsKey(task.importId))).toBeUndefined();
    expect((await tasks.get(task.importId))?.status).toBe('PROCESSING');
    expect(workKeys(objects, task.importId)).toHaveLength(6);
  });

  it('logs a failed clean-up and still succeeds', async () => {
    // Prepare
    const { task, objects, tasks, deps, logger } = await setup();
    const realDelete = objects.delete.bind(objects);
    jest.spyOn(objects, 'delete').mockImplementation(async (key) => {
      if (key === manifestKey(task.importId)) throw new Error('AccessDenied');
      await realDelete(key);
    });

    // Act
    await finalizeImport(deps, finalizeMessage(task.importId));

    // Assess
    expect((await tasks.get(task.importId))?.status).toBe('PARTIAL_SUCCESS');
    expect(workKeys(objects, task.importId)).toEqual([manifestKey(task.importId)]);
    expect(logger.warn).toHaveBeenCalledWith(
      'Could not delete a work object',
      expect.objectContaining({ key: manifestKey(task.importId) }),
    );
  });
});
