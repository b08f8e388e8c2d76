import { finalOutcome } from '../../../lambdas/shared/final-outcome';

describe('finalOutcome', () => {
  it.each([
    [{ successCount: 1000, errorCount: 0 }, { status: 'COMPLETED' }],
    [{ successCount: 0, errorCount: 0 }, { status: 'COMPLETED' }],
    [
      { successCount: 0, errorCount: 1000 },
      { status: 'FAILED', statusReason: 'All 1,000 rows failed: see the exceptions report' },
    ],
    [
      { successCount: 0, errorCount: 1 },
      { status: 'FAILED', statusReason: 'The only row failed: see the exceptions report' },
    ],
    [
      { successCount: 988, errorCount: 12 },
      { status: 'PARTIAL_SUCCESS', statusReason: '12 of 1,000 rows failed: see the exceptions report' },
    ],
    [
      { successCount: 1_000_000, errorCount: 1_234_567 },
      {
        status: 'PARTIAL_SUCCESS',
        statusReason: '1,234,567 of 2,234,567 rows failed: see the exceptions report',
      },
    ],
  ])('maps %o to %o', (counts, expected) => {
    // Act
    const outcome = finalOutcome(counts);

    // Assess
    expect(outcome).toEqual(expected);
  });

  it.each([
    [
      { successCount: 5, errorCount: 0, dryRun: true as const },
      { status: 'COMPLETED', statusReason: 'A check, so nothing was imported: every row would import (5)' },
    ],
    [
      { successCount: 3, errorCount: 2, dryRun: true as const },
      {
        status: 'PARTIAL_SUCCESS',
        statusReason: 'A check, so nothing was imported: 2 of 5 rows would fail: see the exceptions report',
      },
    ],
    [
      { successCount: 0, errorCount: 1, dryRun: true as const },
      {
        status: 'FAILED',
        statusReason: 'A check, so nothing was imported: the only row would fail: see the exceptions report',
      },
    ],
  ])('says of a check %o that nothing was imported and what an import would do', (counts, expected) => {
    expect(finalOutcome(counts)).toEqual(expected);
  });
});
