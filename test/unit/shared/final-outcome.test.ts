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
});
