import { isFinalStatus, type TaskStatus } from '../../lambdas/shared/model';
import { hasReports, STATUS_DISPLAY, statusLabel } from '../src/imports/status';

describe('status display', () => {
  it('uses the labels DESIGN §3 pins for every status', () => {
    // Act
    const statuses = Object.keys(STATUS_DISPLAY) as TaskStatus[];
    const labels = Object.fromEntries(statuses.map((status) => [status, statusLabel(status)]));

    // Assess
    expect(labels).toEqual({
      PENDING: 'Pending',
      VALIDATING: 'Validating',
      PROCESSING: 'Processing',
      COMPLETED: 'Completed',
      PARTIAL_SUCCESS: 'Partial Success',
      FAILED: 'Failed',
      VALIDATION_FAILED: 'Validation Failed',
      NOTHING_TO_IMPORT: 'Nothing to Import',
    });
  });

  it('knows which statuses are final and which have reports', () => {
    // Assess
    const running: TaskStatus[] = ['PENDING', 'VALIDATING', 'PROCESSING'];
    expect(running.map(isFinalStatus)).toEqual([false, false, false]);
    expect(isFinalStatus('NOTHING_TO_IMPORT')).toBe(true);
    expect(hasReports('PARTIAL_SUCCESS')).toBe(true);
    expect(hasReports('FAILED')).toBe(true);
    expect(hasReports('VALIDATION_FAILED')).toBe(false);
    expect(hasReports('NOTHING_TO_IMPORT')).toBe(false);
    expect(hasReports('PROCESSING')).toBe(false);
  });
});
