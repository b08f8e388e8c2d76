import type { TaskStatus } from './model';

/** Status labels exactly as DESIGN §3 pins them: the console and the email reply both show these. */
export const STATUS_LABELS: Readonly<Record<TaskStatus, string>> = {
  PENDING: 'Pending',
  VALIDATING: 'Validating',
  PROCESSING: 'Processing',
  COMPLETED: 'Completed',
  PARTIAL_SUCCESS: 'Partial Success',
  FAILED: 'Failed',
  VALIDATION_FAILED: 'Validation Failed',
  NOTHING_TO_IMPORT: 'Nothing to Import',
};
