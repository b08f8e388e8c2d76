/**
 * The bench's verdicts and its last line, as pure functions of the measured figures (unit-tested; the
 * figures themselves are never asserted).
 */

export interface FunctionHeap {
  name: string;
  invocations: number;
  crashes: number;
  timeouts: number;
  maxOldSpaceMb: number;
}

/** The heap cap the issue asks the two streaming stages to run under. */
export const HEAP_CAP_MB = 256;
const CAPPED_STAGES = ['validate-file', 'process-chunk'] as const;

/**
 * Whether validate-file and process-chunk each ran their share of the import under the heap cap: both
 * ran, every environment had at most HEAP_CAP_MB of old space, and none of them died or timed out.
 */
export const heapCapped = (functions: readonly FunctionHeap[]): boolean =>
  CAPPED_STAGES.every((stage) => {
    const stats = functions.find((candidate) => candidate.name === stage);
    return (
      stats !== undefined &&
      stats.invocations > 0 &&
      stats.crashes === 0 &&
      stats.timeouts === 0 &&
      stats.maxOldSpaceMb <= HEAP_CAP_MB
    );
  });

export interface Verdict {
  e2eRowsPerSecond: number;
  storeItemsPerSecond: number;
  cpuRowsPerSecond: number;
  floorRowsPerSecond: number;
  heapCapped: boolean;
}

const ratio = (numerator: number, denominator: number): string =>
  denominator > 0 && Number.isFinite(numerator / denominator) ? (numerator / denominator).toFixed(2) : 'n/a';

/** `e2e/store=<ratio> cpu/floor=<ratio> heap-capped=<yes|no>`: the bench's last line. */
export const verdictLine = (verdict: Verdict): string =>
  `e2e/store=${ratio(verdict.e2eRowsPerSecond, verdict.storeItemsPerSecond)} ` +
  `cpu/floor=${ratio(verdict.cpuRowsPerSecond, verdict.floorRowsPerSecond)} ` +
  `heap-capped=${verdict.heapCapped ? 'yes' : 'no'}`;

/** A table of label/value rows, the values aligned. */
export const table = (rows: readonly (readonly [string, string])[]): string => {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
};

export const formatRate = (perSecond: number, unit: string): string =>
  `${Math.round(perSecond).toLocaleString('en-US')} ${unit}/s`;

export const formatSeconds = (seconds: number): string => `${seconds.toFixed(1)} s`;
