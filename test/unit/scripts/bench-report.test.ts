import { type FunctionHeap, heapCapped, verdictLine } from '../../../scripts/bench-report';

const ran = (name: string, overrides: Partial<FunctionHeap> = {}): FunctionHeap => ({
  name,
  invocations: 3,
  crashes: 0,
  timeouts: 0,
  maxOldSpaceMb: 256,
  ...overrides,
});

describe('heapCapped', () => {
  it('holds when validate-file and process-chunk both ran under the cap without a crash', () => {
    // Act / Assess
    expect(heapCapped([ran('validate-file'), ran('process-chunk'), ran('finalize-import')])).toBe(true);
  });

  it.each([
    ['process-chunk did not run', [ran('validate-file')]],
    ['validate-file had no cap', [ran('validate-file', { maxOldSpaceMb: 4096 }), ran('process-chunk')]],
    ['an environment crashed', [ran('validate-file'), ran('process-chunk', { crashes: 1 })]],
    ['an invocation timed out', [ran('validate-file', { timeouts: 1 }), ran('process-chunk')]],
    ['a stage never got a message', [ran('validate-file'), ran('process-chunk', { invocations: 0 })]],
  ])('fails when %s', (_case, functions) => {
    // Act / Assess
    expect(heapCapped(functions)).toBe(false);
  });
});

describe('verdictLine', () => {
  it('prints both ratios with two decimals and the heap verdict, in the pinned format', () => {
    // Act
    const line = verdictLine({
      e2eRowsPerSecond: 2600,
      storeItemsPerSecond: 3000,
      cpuRowsPerSecond: 120_000,
      floorRowsPerSecond: 70_000,
      heapCapped: true,
    });

    // Assess
    expect(line).toBe('e2e/store=0.87 cpu/floor=1.71 heap-capped=yes');
  });

  it('says n/a for a ratio whose measurement was skipped', () => {
    // Act
    const line = verdictLine({
      e2eRowsPerSecond: Number.NaN,
      storeItemsPerSecond: 3000,
      cpuRowsPerSecond: 1,
      floorRowsPerSecond: Number.NaN,
      heapCapped: false,
    });

    // Assess
    expect(line).toBe('e2e/store=n/a cpu/floor=n/a heap-capped=no');
  });
});
