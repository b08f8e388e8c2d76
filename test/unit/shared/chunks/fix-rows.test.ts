import { parse } from 'csv-parse/sync';
import { finalizeImport } from '../../../../lambdas/finalize-import/finalize-import';
import { processChunk } from '../../../../lambdas/process-chunk/process-chunk';
import { giveUpChunk } from '../../../../lambdas/shared/chunks/give-up';
import type { ChunkMessage, TaskRecord } from '../../../../lambdas/shared/model';
import { exceptionsKey, resultsKey } from '../../../../lambdas/shared/object-keys';
import { validateFile } from '../../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../../helpers/factories';
import { createHarness, givenUpload, type Harness } from '../../validate-file/harness';

/**
 * A fix import's rows (DESIGN §10) are reported under the numbers they have in the import they fix:
 * when its chunk is processed and when it is given up, in its errors, its duplicates' messages, both
 * reports and the record origins; and what it imported is recorded as fixed on each import it fixes.
 */

/** The parent's numbers of the fix file's rows, in file order. */
const PARENT_ROWS = [7, 40, 41, 1200];

const fixImport = async (
  harness: Harness,
  rows: string[],
): Promise<{ task: TaskRecord; message: ChunkMessage }> => {
  await harness.tasks.create({ ...(await givenParent(harness)) });
  await harness.tasks.putRowNumbers('fix-import-1', PARENT_ROWS.slice(0, rows.length));
  const task = await givenUpload(harness, usersCsv(rows), {
    importId: 'fix-import-1',
    objectKey: 'uploads/fix-import-1/people-fixes.csv',
    parentImportId: 'parent-import-1',
    fixRows: rows.length,
    fixAncestors: ['parent-import-1', 'grandparent-1'],
  });
  await validateFile(harness.validateDeps, task.objectKey);
  const [message] = harness.chunks.sent.filter((sent) => sent.importId === task.importId);
  if (!message) throw new Error('validation sent no chunk');
  return { task, message };
};

const givenParent = async (harness: Harness): Promise<TaskRecord> => {
  const parent = await givenUpload(harness, usersCsv([userRow(1)]), {
    importId: 'parent-import-1',
    objectKey: 'uploads/parent-import-1/people.csv',
    status: 'PARTIAL_SUCCESS',
    errorCount: 4,
  });
  return parent;
};

const reportRows = (csv: string | undefined): string[][] => parse(csv?.replace(/^\uFEFF/, '') ?? '').slice(1);

const finalize = (harness: Harness, importId: string) =>
  finalizeImport(
    { objects: harness.objects, tasks: harness.tasks, logger: harness.processDeps.logger },
    { kind: 'finalize', importId },
  );

describe("a fix import's row numbers", () => {
  it('are the parent rows in errors, duplicate messages, reports and record origins', async () => {
    const harness = createHarness();
    const { task, message } = await fixImport(harness, [
      userRow(1),
      'bad-email,A,B,member,,,',
      userRow(3),
      userRow(1),
    ]);

    await processChunk(harness.processDeps, message);
    const finalized = await finalize(harness, task.importId);

    expect(finalized).toMatchObject({ successCount: 2, errorCount: 2 });
    const errors = (await harness.tasks.listRowErrors(task.importId, 100)).items;
    expect(errors.map((error) => [error.rowNumber, error.errorType])).toEqual([
      [40, 'INVALID_FORMAT'],
      [1200, 'DUPLICATE_IN_FILE'],
    ]);
    expect(errors[1]?.message).toContain('row 7 has the same value');
    expect(reportRows(harness.objects.text(exceptionsKey(task.importId))).map((row) => row.at(-3))).toEqual([
      '40',
      '1200',
    ]);
    expect(reportRows(harness.objects.text(resultsKey(task.importId))).map((row) => row[0])).toEqual([
      '7',
      '40',
      '41',
      '1200',
    ]);
    expect([...harness.records.records.values()].map((record) => record.rowNumber).sort()).toEqual([41, 7]);
    // What it imported is fixed on the import it fixes and on the one that fixes in turn.
    expect([...(await harness.tasks.listFixedRows('parent-import-1')).keys()]).toEqual([7, 41]);
    expect([...(await harness.tasks.listFixedRows('grandparent-1')).keys()]).toEqual([7, 41]);
  });

  it('are the parent rows when the chunk is given up', async () => {
    const harness = createHarness();
    const { task, message } = await fixImport(harness, [userRow(1), 'bad-email,A,B,member,,,', userRow(3)]);

    await giveUpChunk(harness.processDeps, message, 'failed 5 times (the database did not accept its rows)');
    await finalize(harness, task.importId);

    const errors = (await harness.tasks.listRowErrors(task.importId, 100)).items;
    expect(errors.map((error) => [error.rowNumber, error.errorType])).toEqual([
      [7, 'SYSTEM'],
      [40, 'INVALID_FORMAT'],
      [41, 'SYSTEM'],
    ]);
    expect(reportRows(harness.objects.text(resultsKey(task.importId))).map((row) => row[0])).toEqual([
      '7',
      '40',
      '41',
    ]);
    // Nothing was imported, so nothing is fixed.
    expect((await harness.tasks.listFixedRows('parent-import-1')).size).toBe(0);
  });
});
