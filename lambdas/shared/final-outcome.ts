import { type TaskRecord, TaskStatus } from './model';

export interface FinalOutcome {
  status: typeof TaskStatus.COMPLETED | typeof TaskStatus.PARTIAL_SUCCESS | typeof TaskStatus.FAILED;
  statusReason?: string;
}

const thousands = new Intl.NumberFormat('en-US');
const SEE_REPORT = 'see the exceptions report';

/**
 * The final status of an import whose every chunk is counted (DESIGN §3): no failed row → COMPLETED,
 * no imported row → FAILED, otherwise PARTIAL_SUCCESS, with a reason an admin can act on. Rows of chunks
 * given up on (SYSTEM errors) are said so, and `note` (what else went wrong) ends the reason.
 */
export const finalOutcome = (
  counts: Pick<
    TaskRecord,
    'successCount' | 'errorCount' | 'systemErrorCount' | 'dryRun' | 'cancelledBy' | 'cancelledAt'
  >,
  note?: string,
): FinalOutcome => {
  if (counts.cancelledBy) return cancelledOutcome(counts, note);
  const outcome = counts.dryRun ? checkOutcome(counts) : byCounts(counts);
  const system = counts.systemErrorCount ?? 0;
  const systemNote =
    system > 0
      ? `${system === 1 ? '1 row was' : `${thousands.format(system)} rows were`} not imported because part of the file could not be processed: import the exceptions file again`
      : undefined;
  const reason = [outcome.statusReason, systemNote, note].filter(Boolean).join('; ');
  return reason ? { ...outcome, statusReason: reason.charAt(0).toUpperCase() + reason.slice(1) } : outcome;
};

const byCounts = (counts: Pick<TaskRecord, 'successCount' | 'errorCount'>): FinalOutcome => {
  const { successCount, errorCount } = counts;
  if (errorCount === 0) return { status: TaskStatus.COMPLETED };
  if (successCount === 0) {
    const failed =
      errorCount === 1 ? 'The only row failed' : `All ${thousands.format(errorCount)} rows failed`;
    return { status: TaskStatus.FAILED, statusReason: `${failed}: ${SEE_REPORT}` };
  }
  const total = successCount + errorCount;
  return {
    status: TaskStatus.PARTIAL_SUCCESS,
    statusReason: `${thousands.format(errorCount)} of ${thousands.format(total)} rows failed: ${SEE_REPORT}`,
  };
};

/** A check's status says what an import would do; its reason says first that nothing was imported. */
const checkOutcome = (counts: Pick<TaskRecord, 'successCount' | 'errorCount'>): FinalOutcome => {
  const { status } = byCounts(counts);
  const { successCount, errorCount } = counts;
  const total = successCount + errorCount;
  const would =
    errorCount === 0
      ? `every row would import (${thousands.format(total)})`
      : successCount === 0
        ? `${errorCount === 1 ? 'the only row' : `all ${thousands.format(errorCount)} rows`} would fail: ${SEE_REPORT}`
        : `${thousands.format(errorCount)} of ${thousands.format(total)} rows would fail: ${SEE_REPORT}`;
  return { status, statusReason: `A check, so nothing was imported: ${would}` };
};

/**
 * A cancelled import (DESIGN §10): PARTIAL_SUCCESS when rows were committed before the cancel took hold,
 * FAILED when none were; the reason says who cancelled and how to import the rest. A cancel that came
 * after every row was committed cancelled nothing, and the import completed.
 */
const cancelledOutcome = (
  counts: Pick<TaskRecord, 'successCount' | 'errorCount' | 'systemErrorCount' | 'dryRun' | 'cancelledBy'>,
  note?: string,
): FinalOutcome => {
  const { successCount, errorCount } = counts;
  const stopped = counts.systemErrorCount ?? 0;
  const verb = counts.dryRun ? 'checked' : 'imported';
  const rows = (count: number) => `${thousands.format(count)} ${count === 1 ? 'row' : 'rows'}`;
  const parts = [
    stopped === 0
      ? `Cancelled by ${counts.cancelledBy} after every row was ${verb}`
      : `Cancelled by ${counts.cancelledBy}: ${rows(stopped)} not ${verb}${counts.dryRun ? '' : ' (import the exceptions file to import them)'}`,
    successCount > 0
      ? `${rows(successCount)} ${counts.dryRun ? 'would import' : 'imported before the cancel'}`
      : undefined,
    errorCount - stopped > 0 ? `${rows(errorCount - stopped)} failed their checks` : undefined,
    note,
  ];
  const statusReason = parts.filter(Boolean).join('; ');
  if (errorCount === 0) return { status: TaskStatus.COMPLETED, statusReason };
  return { status: successCount === 0 ? TaskStatus.FAILED : TaskStatus.PARTIAL_SUCCESS, statusReason };
};
