import type { TaskStatus } from '../../../lambdas/shared/model';

/** Labels exactly as DESIGN §3 pins them, with the tone of their chip and what they mean. */
export const STATUS_DISPLAY = {
  PENDING: {
    label: 'Pending',
    tone: 'neutral',
    final: false,
    hint: 'Waiting for the file or for processing to start',
  },
  VALIDATING: {
    label: 'Validating',
    tone: 'active',
    final: false,
    hint: "Checking the file's columns and rows",
  },
  PROCESSING: { label: 'Processing', tone: 'active', final: false, hint: 'Importing rows in the background' },
  COMPLETED: { label: 'Completed', tone: 'success', final: true, hint: 'Every row imported' },
  PARTIAL_SUCCESS: {
    label: 'Partial Success',
    tone: 'warning',
    final: true,
    hint: 'Some rows imported, some failed: see exceptions',
  },
  FAILED: { label: 'Failed', tone: 'danger', final: true, hint: 'No rows were committed' },
  VALIDATION_FAILED: {
    label: 'Validation Failed',
    tone: 'danger',
    final: true,
    hint: 'The file did not pass validation and was not imported',
  },
  NOTHING_TO_IMPORT: {
    label: 'Nothing to Import',
    tone: 'neutral',
    final: true,
    hint: 'The file had a header but no data rows',
  },
} as const satisfies Record<
  TaskStatus,
  {
    label: string;
    tone: 'neutral' | 'active' | 'success' | 'warning' | 'danger';
    final: boolean;
    hint: string;
  }
>;

export type StatusTone = (typeof STATUS_DISPLAY)[TaskStatus]['tone'];

export const statusLabel = (status: TaskStatus): string => STATUS_DISPLAY[status].label;

export const isFinal = (status: TaskStatus): boolean => STATUS_DISPLAY[status].final;

/** Statuses finalize-import reaches, with exceptions and result data written (DESIGN §5). */
const REPORTED: ReadonlySet<TaskStatus> = new Set(['COMPLETED', 'PARTIAL_SUCCESS', 'FAILED']);

/** Whether the task's reports can exist; a task that never passed validation has none. */
export const hasReports = (status: TaskStatus): boolean => REPORTED.has(status);
