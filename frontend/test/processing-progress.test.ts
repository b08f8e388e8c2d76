import { addSample, estimateProcessing } from '../src/wizard/processing-progress';

describe('estimateProcessing', () => {
  it('has no rate or ETA from a single reading', () => {
    // Act
    const estimate = estimateProcessing([{ at: 1_000, processedRows: 500 }], 2_000);

    // Assess
    expect(estimate).toEqual({ fraction: 0.25, rowsPerSecond: undefined, etaSeconds: undefined });
  });

  it('derives rows per second and the time left from the first and last readings', () => {
    // Prepare
    const samples = [
      { at: 0, processedRows: 0 },
      { at: 2_000, processedRows: 1_000 },
      { at: 4_000, processedRows: 2_000 },
    ];

    // Act
    const estimate = estimateProcessing(samples, 10_000);

    // Assess
    expect(estimate.fraction).toBe(0.2);
    expect(estimate.rowsPerSecond).toBe(500);
    expect(estimate.etaSeconds).toBe(16);
  });

  it('has a fraction only once the row count is known, and treats an empty file as done', () => {
    // Act
    const unknown = estimateProcessing([{ at: 0, processedRows: 0 }], undefined);
    const empty = estimateProcessing([{ at: 0, processedRows: 0 }], 0);

    // Assess
    expect(unknown.fraction).toBeUndefined();
    expect(empty.fraction).toBe(1);
  });

  it('shows no rate while the count stands still', () => {
    // Act
    const estimate = estimateProcessing(
      [
        { at: 0, processedRows: 100 },
        { at: 3_000, processedRows: 100 },
      ],
      1_000,
    );

    // Assess
    expect(estimate.rowsPerSecond).toBeUndefined();
    expect(estimate.etaSeconds).toBeUndefined();
  });
});

describe('addSample', () => {
  it('keeps the last ten seconds plus one earlier reading as the baseline', () => {
    // Prepare
    let samples = [0, 4_000, 8_000, 12_000].map((at) => ({ at, processedRows: at / 10 }));

    // Act
    samples = addSample(samples, { at: 16_000, processedRows: 1_600 });

    // Assess: 4 s is the last reading before the window (6 s..16 s) and stays as its baseline.
    expect(samples.map((sample) => sample.at)).toEqual([4_000, 8_000, 12_000, 16_000]);
  });
});
