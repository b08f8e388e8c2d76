import type { PlannedChunk, TaskRecord } from '../model';
import { PipelineError, PipelineErrorCode } from '../pipeline-error';
import type { TaskStore } from '../ports';

/**
 * A fix import's rows carry the numbers they had in the import they fix (DESIGN §10): its file is the
 * fixed rows in their order, and the task store keeps each one's number there. The stages that report
 * rows (a chunk's processing, its give-up) read the file by position, then number its rows through this,
 * so every error, report line and record origin of a fix names the row the admin knows.
 */

/** A file row number (2 for the first data row) → the number that row is reported under. */
export type RowNumbering = (fileRow: number) => number;

/** How a task's rows are numbered: as read, or, for a fix import, as in the import it fixes. */
export const rowNumberingOf = async (
  tasks: TaskStore,
  task: TaskRecord,
): Promise<RowNumbering | undefined> => {
  if (task.fixRows === undefined) return undefined;
  const numbers = await tasks.getRowNumbers(task.importId);
  if (!numbers)
    throw new PipelineError(
      PipelineErrorCode.INCONSISTENT_TASK,
      `Fix import ${task.importId} has no record of its rows' numbers`,
    );
  return (fileRow) => {
    const number = numbers[fileRow - 2];
    if (number === undefined)
      throw new PipelineError(
        PipelineErrorCode.PLAN_MISMATCH,
        `Fix import ${task.importId} has no row ${fileRow}: its file holds ${numbers.length} rows`,
      );
    return number;
  };
};

/** A chunk's plan with its duplicates under the reported numbers. */
export const numberPlan = (plan: PlannedChunk, numbering: RowNumbering | undefined): PlannedChunk =>
  numbering
    ? {
        ...plan,
        duplicates: plan.duplicates.map(([row, first]): [number, number] => [
          numbering(row),
          numbering(first),
        ]),
      }
    : plan;

/** Rows read from the file, under the reported numbers. */
export const numberRows = <Row extends { rowNumber: number }>(
  rows: Row[],
  numbering: RowNumbering | undefined,
): Row[] => (numbering ? rows.map((row) => ({ ...row, rowNumber: numbering(row.rowNumber) })) : rows);
