import type { TaskStatus } from '../../../lambdas/shared/model';
import { STATUS_LABELS } from '../../../lambdas/shared/status-labels';

/** Each status's label (shared with the email reply), the tone of its chip and what it means. */
export const STATUS_DISPLAY = {
  PENDING: {
    label: STATUS_LABELS.PENDING,
    tone: 'neutral',
    hint: 'Waiting for the file or for processing to start',
  },
  VALIDATING: {
    label: STATUS_LABELS.VALIDATING,
    tone: 'active',
    hint: "Checking the file's columns and rows",
  },
  PROCESSING: { label: STATUS_LABELS.PROCESSING, tone: 'active', hint: 'Importing rows in the background' },
  COMPLETED: { label: STATUS_LABELS.COMPLETED, tone: 'success', hint: 'Every row imported' },
  PARTIAL_SUCCESS: {
    label: STATUS_LABELS.PARTIAL_SUCCESS,
    tone: 'warning',
    hint: 'Some rows imported, some failed: see exceptions',
  },
  FAILED: { label: STATUS_LABELS.FAILED, tone: 'danger', hint: 'No rows were committed' },
  VALIDATION_FAILED: {
    label: STATUS_LABELS.VALIDATION_FAILED,
    tone: 'danger',
    hint: 'The file did not pass validation and was not imported',
  },
  NOTHING_TO_IMPORT: {
    label: STATUS_LABELS.NOTHING_TO_IMPORT,
    tone: 'neutral',
    hint: 'The file had a header but no data rows',
  },
} as const satisfies Record<
  TaskStatus,
  {
    label: string;
    tone: 'neutral' | 'active' | 'success' | 'warning' | 'danger';
    hint: string;
  }
>;

export type StatusTone = (typeof STATUS_DISPLAY)[TaskStatus]['tone'];

export const statusLabel = (status: TaskStatus): string => STATUS_DISPLAY[status].label;

/** Statuses finalize-import reaches, with exceptions and result data written (DESIGN §5). */
const REPORTED: ReadonlySet<TaskStatus> = new Set(['COMPLETED', 'PARTIAL_SUCCESS', 'FAILED']);

/** Whether the task's reports can exist; a task that never passed validation has none. */
export const hasReports = (status: TaskStatus): boolean => REPORTED.has(status);
