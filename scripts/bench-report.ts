/**
 * The bench's verdicts and its last line, as pure functions of the measured figures (unit-tested; the
 * figures themselves are never asserted).
 */

import type { CpuShare, ProcessRole, ThreadKind } from './bench-cpu-share';

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

const ROLE_LABELS: Record<ProcessRole, string> = {
  dynamodb: 'DynamoDB emulator',
  stack: 'stack (API, S3/SQS emulator, functions)',
  launcher: 'launchers (npm, tsx)',
};
const KIND_LABELS: Record<ThreadKind, string> = {
  main: 'main',
  worker: 'function threads',
  libuv: 'libuv pool',
  v8: 'V8 helpers (GC)',
  other: 'other',
};

/**
 * Where the CPU went in the process stage: cores used by each part of the stack, split by thread kind,
 * and CPU microseconds per row of the file, with how busy the machine was.
 */
export const processCpuSummary = (share: CpuShare, rows: number): string => {
  const cores = (seconds: number) => (share.seconds > 0 ? (seconds / share.seconds).toFixed(2) : 'n/a');
  const machine =
    share.machineBusy === undefined
      ? 'machine load unknown'
      : `machine ${Math.round(share.machineBusy * 100)} % busy, ${Math.round((share.machineSteal ?? 0) * 100)} % of it stolen`;
  const lines = [`CPU in the process stage (${formatSeconds(share.seconds)}, ${machine})`];
  const rolesByCost = [...share.roles]
    .filter((role) => role.seconds >= share.seconds * 0.005)
    .sort((a, b) => b.seconds - a.seconds);
  lines.push(
    table(
      rolesByCost.map((role) => {
        const kinds = (Object.keys(KIND_LABELS) as ThreadKind[])
          .filter((kind) => role.byKind[kind] >= share.seconds * 0.005)
          .map((kind) => `${KIND_LABELS[kind]} ${cores(role.byKind[kind])}`);
        const perRow = rows > 0 ? Math.round((role.seconds * 1e6) / rows) : 0;
        return [
          ROLE_LABELS[role.role],
          `${cores(role.seconds)} cores, ${perRow} µs CPU/row${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}`,
        ] as const;
      }),
    ),
  );
  return lines.join('\n');
};
