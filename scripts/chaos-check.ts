import { ErrorType, type Task, TaskStatus } from '../lambdas/shared/model';
import { type ChaosFile, rowNumberAt } from './chaos-data';

/**
 * The chaos run's verdicts: an import's observed task, row errors, result report and committed records
 * against what its file says each row must end as. Pure, so every rule here is unit-tested.
 */

/** Who committed a key: the record's importId and spreadsheet row. */
export interface RecordOwner {
  importId: string;
  rowNumber: number;
}

/**
 * How a valid row must end: committed by this import, refused as already committed by another, or either
 * (a key raced by several imports at once: exactly one of them wins it); in a check, passed and not
 * committed; in a cancelled import, committed, or a SYSTEM error and not committed.
 */
export type ValidRowRule = 'success' | 'already-exists' | 'race' | 'check' | 'cancel';

export interface ObservedImport {
  task: Task;
  /** Every row error the API lists for the import. */
  errors: readonly { rowNumber: number; errorType: string }[];
  /** Row number → status of the results report (`SUCCESS`/`FAILED`), each row once; undefined: not read. */
  results?: ReadonlyMap<number, string>;
  /** Rows the results report listed more than once. */
  repeatedResultRows?: readonly number[];
}

export interface ImportVerdict {
  /** Human-readable mismatches; empty when the import is exact. */
  mismatches: string[];
  /** Rows this import committed, by the store's own records. */
  committed: number;
}

const MAX_LISTED = 12;

/** The status an import must end in, given how many of its rows were committed. */
export const expectedStatus = (rows: number, committed: number): TaskStatus => {
  if (rows === 0) return TaskStatus.NOTHING_TO_IMPORT;
  if (committed === rows) return TaskStatus.COMPLETED;
  if (committed === 0) return TaskStatus.FAILED;
  return TaskStatus.PARTIAL_SUCCESS;
};

/**
 * Checks one import exactly: every row's outcome (errors, result line, record owner), the counts on the
 * task, its status, and that no record names this import for a row that did not succeed.
 */
export const checkImport = (
  file: Pick<ChaosFile, 'rows' | 'expected'>,
  observed: ObservedImport,
  owners: ReadonlyMap<string, RecordOwner>,
  ownedByImport: number,
  rule: (key: string, shared: boolean) => ValidRowRule,
): ImportVerdict => {
  const { task } = observed;
  const mismatches: string[] = [];
  let listed = 0;
  const note = (text: string) => {
    listed += 1;
    if (listed <= MAX_LISTED) mismatches.push(text);
  };

  const errorsByRow = new Map<number, string[]>();
  for (const error of observed.errors) {
    const types = errorsByRow.get(error.rowNumber) ?? [];
    types.push(error.errorType);
    errorsByRow.set(error.rowNumber, types);
  }
  let successes = 0;
  file.expected.forEach((expectation, index) => {
    const rowNumber = rowNumberAt(index);
    const errors = errorsByRow.get(rowNumber) ?? [];
    errorsByRow.delete(rowNumber);
    const describe = () => `row ${rowNumber}: errors [${errors.join(', ')}]`;
    let succeeded = false;
    if (expectation.kind === 'invalid') {
      if (errors.length !== 1 || errors[0] !== expectation.errorType) {
        note(`${describe()}, expected [${expectation.errorType}]`);
      }
    } else {
      const owner = owners.get(expectation.key);
      const ownsKey = owner?.importId === task.importId && owner.rowNumber === rowNumber;
      const wanted = rule(expectation.key, expectation.shared);
      const mustSucceed = wanted === 'success' || ((wanted === 'race' || wanted === 'cancel') && ownsKey);
      if (wanted === 'check') {
        succeeded = true;
        if (errors.length > 0) note(`${describe()}, expected none`);
        if (owner?.importId === task.importId)
          note(`row ${rowNumber}: ${expectation.key} was committed by this check`);
      } else if (wanted === 'cancel' && !ownsKey) {
        if (errors.length !== 1 || errors[0] !== ErrorType.SYSTEM) note(`${describe()}, expected [SYSTEM]`);
        if (owner?.importId === task.importId)
          note(`row ${rowNumber}: ${expectation.key} is owned by this import's row ${owner.rowNumber}`);
      } else if (mustSucceed) {
        succeeded = true;
        if (errors.length > 0) note(`${describe()}, expected none`);
        if (!ownsKey)
          note(`row ${rowNumber}: ${expectation.key} is owned by ${ownerText(owner)}, not this row`);
      } else {
        if (errors.length !== 1 || errors[0] !== ErrorType.ALREADY_EXISTS) {
          note(`${describe()}, expected [ALREADY_EXISTS]`);
        }
        if (!owner) note(`row ${rowNumber}: ${expectation.key} was refused but no import committed it`);
        else if (owner.importId === task.importId) {
          note(`row ${rowNumber}: ${expectation.key} is owned by this import's row ${owner.rowNumber}`);
        }
      }
    }
    if (succeeded) successes += 1;
    const resultStatus = observed.results?.get(rowNumber);
    if (observed.results && resultStatus !== (succeeded ? 'SUCCESS' : 'FAILED')) {
      note(
        `row ${rowNumber}: results report says ${resultStatus ?? 'nothing'}, expected ${succeeded ? 'SUCCESS' : 'FAILED'}`,
      );
    }
  });
  for (const [rowNumber, types] of errorsByRow) {
    note(`row ${rowNumber}: errors [${types.join(', ')}] for a row the file does not have`);
  }
  if (observed.results && observed.results.size !== file.rows) {
    note(`results report has ${observed.results.size} rows, the file ${file.rows}`);
  }
  if (observed.repeatedResultRows && observed.repeatedResultRows.length > 0) {
    note(`results report repeats rows ${observed.repeatedResultRows.slice(0, 5).join(', ')}`);
  }

  const counts: [string, number | undefined, number][] = [
    ['totalRows', task.totalRows, file.rows],
    ['processedRows', task.processedRows, file.rows],
    ['successCount', task.successCount, successes],
    ['errorCount', task.errorCount, file.rows - successes],
    ['records committed by this import', ownedByImport, task.dryRun ? 0 : successes],
  ];
  for (const [name, actual, wanted] of counts) {
    if (actual !== wanted) note(`${name} is ${actual ?? 'missing'}, expected ${wanted}`);
  }
  const status = expectedStatus(file.rows, successes);
  if (task.status !== status) note(`status is ${task.status}, expected ${status}`);
  if (listed > MAX_LISTED) mismatches.push(`… and ${listed - MAX_LISTED} more`);
  return { mismatches, committed: ownedByImport };
};

const ownerText = (owner: RecordOwner | undefined): string =>
  owner ? `import ${owner.importId} row ${owner.rowNumber}` : 'nobody';

/** Row number → status of a results report's lines; rows met twice are listed apart. */
export const readResultStatuses = (
  rows: Iterable<readonly string[]>,
): { statuses: Map<number, string>; repeated: number[] } => {
  const statuses = new Map<number, string>();
  const repeated: number[] = [];
  let header = true;
  for (const cells of rows) {
    if (header) {
      header = false;
      continue;
    }
    const rowNumber = Number(cells[0]);
    if (statuses.has(rowNumber)) repeated.push(rowNumber);
    statuses.set(rowNumber, cells[1] ?? '');
  }
  return { statuses, repeated };
};
