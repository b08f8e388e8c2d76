import { putFileParts, putParts } from '../client/upload-parts';
import { isFinalStatus, type Task } from '../lambdas/shared/model';
import { LocalStack } from '../test/helpers/local-stack';
import { type CpuShare, type CpuSnapshot, cpuShare, snapshotCpu } from './bench-cpu-share';
import type { BenchFile } from './bench-data';

/**
 * The end-to-end run: a local stack of its own (fresh data dir, free ports, the shipped settings unless
 * `env` overrides them), the file imported through the HTTP API and presigned multipart PUTs as the
 * console does it, the task followed to its final status, then the stack stopped so that it reports its
 * functions' heap peaks and its processes' peak memory.
 */

export interface StageTimes {
  /** Create the import, PUT every part, complete the upload. */
  upload: number;
  /** Completion until the task is PROCESSING: the S3 event, validate-file's pass, the chunk messages. */
  validate: number;
  /** PROCESSING until every row is counted. */
  process: number;
  /** Every row counted until the final status: finalize-import's reports. */
  finalize: number;
  total: number;
}

export interface FunctionStats {
  name: string;
  invocations: number;
  crashes: number;
  timeouts: number;
  errors: number;
  peakHeapMb: number;
  maxOldSpaceMb: number;
}

export interface EndToEnd {
  task: Task;
  /** Chunk batches the stack's poller handed to process-chunk (more than the plan's chunks if any retried). */
  chunkBatches: number;
  stages: StageTimes;
  functions: FunctionStats[];
  memory: { stackRssMb?: number; dynamodbRssMb?: number };
  /** CPU used by the stack's processes and the machine during the process stage (Linux only). */
  processCpu?: CpuShare;
  /** Log lines of the stack that were warnings or errors (retried batches, crashes). */
  warnings: string[];
  /**
   * The fairness figure (DESIGN §11): a small import of another account, uploaded while this one is
   * processing, from its upload's completion to its final status; and where the large one was then.
   */
  fairness?: { rows: number; status: string; secondsToFinal: number; largeProgress: number };
  /**
   * A check of the same file (DESIGN §10) in an account of its own, once the import has ended: its task,
   * its time in all and in its process stage (where it reads the keys its rows would write).
   */
  check?: { task: Task; seconds: number; processSeconds: number };
}

/** Checks the file in another account, uploaded as the console does, and times it to its final status. */
const timeCheck = async (
  stack: LocalStack,
  file: BenchFile,
  timeoutMs: number,
): Promise<EndToEnd['check']> => {
  const api = stack.api(await stack.token('admin', 'bench-check'));
  const began = performance.now();
  const { import: record, upload } = await api.createImport({
    templateId: 'users',
    fileName: 'bench-users.csv',
    fileSize: file.bytes,
    dryRun: true,
  });
  await api.completeUpload(record.importId, await putFileParts(file.path, file.bytes, upload));
  let processingAt: number | undefined;
  let countedAt: number | undefined;
  for (;;) {
    const task = await api.getImport(record.importId);
    const now = performance.now();
    if (processingAt === undefined && task.status !== 'PENDING' && task.status !== 'VALIDATING')
      processingAt = now;
    if (countedAt === undefined && task.totalRows !== undefined && task.processedRows >= task.totalRows)
      countedAt = now;
    if (isFinalStatus(task.status))
      return {
        task,
        seconds: (now - began) / 1000,
        processSeconds: ((countedAt ?? now) - (processingAt ?? now)) / 1000,
      };
    if (now - began > timeoutMs) throw new Error(`The check did not finish in ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
};

/** Rows of the other account's small import (one chunk). */
export const FAIRNESS_ROWS = 1000;

const smallFile = (): string =>
  [
    'email,first_name,last_name,role',
    ...Array.from(
      { length: FAIRNESS_ROWS },
      (_, index) => `fair-${index}@fairness.example,Fair,Share,member`,
    ),
  ]
    .map((line) => `${line}\r\n`)
    .join('');

/** Imports the small file into another account and times it, start to final. */
const timeSmallImport = async (stack: LocalStack): Promise<{ status: string; seconds: number }> => {
  const api = stack.api(await stack.token('admin', 'fairness'));
  const content = Buffer.from(smallFile());
  const { import: created, upload } = await api.createImport({
    templateId: 'users',
    fileName: 'fairness.csv',
    fileSize: content.length,
  });
  const parts = await putParts(upload, content.length, async (start, length) =>
    content.subarray(start, start + length),
  );
  await api.completeUpload(created.importId, parts);
  const started = performance.now();
  for (;;) {
    const task = await api.getImport(created.importId);
    if (isFinalStatus(task.status))
      return { status: task.status, seconds: (performance.now() - started) / 1000 };
    await sleep(POLL_MS);
  }
};

const POLL_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FIELD = /(\w+)=(\S+)/g;
/** `key=value` fields of the stack's log lines that start with `marker`. */
const logFields = (logs: string, marker: string): Record<string, string>[] =>
  logs
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => Object.fromEntries([...line.matchAll(FIELD)].map((match) => [match[1], match[2]])));

const functionStats = (logs: string): FunctionStats[] =>
  logFields(logs, '[stack] function stats').map((fields) => ({
    name: fields.name ?? '?',
    invocations: Number(fields.invocations),
    crashes: Number(fields.crashes),
    timeouts: Number(fields.timeouts),
    errors: Number(fields.errors),
    peakHeapMb: Number(fields.peakHeapMb),
    maxOldSpaceMb: Number(fields.maxOldSpaceMb),
  }));

export const runEndToEnd = async (
  file: BenchFile,
  options: {
    env: Record<string, string>;
    timeoutMs: number;
    onProgress?: (task: Task) => void;
    /** Share of the rows counted at which another account's small import is started and timed. */
    fairnessAt?: number;
    /** Then check the same file in another account, and time it. */
    check?: boolean;
  },
): Promise<EndToEnd> => {
  const stack = await LocalStack.start({ env: options.env });
  try {
    const token = await stack.token('admin');
    const began = performance.now();
    const api = stack.api(token);
    const { import: record, upload } = await api.createImport({
      templateId: 'users',
      fileName: 'bench-users.csv',
      fileSize: file.bytes,
    });
    const importId = record.importId;
    await api.completeUpload(importId, await putFileParts(file.path, file.bytes, upload));
    const uploaded = performance.now();

    let processingAt: number | undefined;
    let countedAt: number | undefined;
    let cpuAtProcessing: CpuSnapshot | undefined;
    let processCpu: CpuShare | undefined;
    const group = stack.processGroup;
    let fairness: Promise<EndToEnd['fairness']> | undefined;
    let task: Task;
    for (;;) {
      task = await api.getImport(importId);
      const now = performance.now();
      if (processingAt === undefined && task.status !== 'PENDING' && task.status !== 'VALIDATING') {
        processingAt = now;
        if (group !== undefined) cpuAtProcessing = await snapshotCpu(group);
      }
      if (countedAt === undefined && task.totalRows !== undefined && task.processedRows >= task.totalRows) {
        countedAt = now;
        if (group !== undefined && cpuAtProcessing && processingAt !== undefined) {
          processCpu = cpuShare(cpuAtProcessing, await snapshotCpu(group), (now - processingAt) / 1000);
        }
      }
      const share = task.totalRows ? task.processedRows / task.totalRows : 0;
      if (
        fairness === undefined &&
        options.fairnessAt !== undefined &&
        task.status === 'PROCESSING' &&
        share >= options.fairnessAt
      ) {
        fairness = timeSmallImport(stack).then(({ status, seconds }) => ({
          rows: FAIRNESS_ROWS,
          status,
          secondsToFinal: seconds,
          largeProgress: share,
        }));
      }
      options.onProgress?.(task);
      if (isFinalStatus(task.status)) break;
      if (now - began > options.timeoutMs) {
        throw new Error(
          `The import did not finish in ${options.timeoutMs / 1000} s: ${JSON.stringify(task)}`,
        );
      }
      await sleep(POLL_MS);
    }
    const ended = performance.now();
    const fair = await fairness;
    const check = options.check ? await timeCheck(stack, file, options.timeoutMs) : undefined;
    const processing = processingAt ?? ended;
    const counted = countedAt ?? ended;

    // A clean stop makes the stack log its functions' statistics and its peak memory.
    await stack.stop();
    const logs = stack.logs();
    const memory = logFields(logs, '[stack] peak memory')[0] ?? {};
    return {
      task,
      chunkBatches: logs.split('\n').filter((line) => line.includes('batch done queue=chunks')).length,
      stages: {
        upload: (uploaded - began) / 1000,
        validate: (processing - uploaded) / 1000,
        process: (counted - processing) / 1000,
        finalize: (ended - counted) / 1000,
        total: (ended - began) / 1000,
      },
      functions: functionStats(logs),
      ...(fair ? { fairness: fair } : {}),
      ...(check ? { check } : {}),
      ...(processCpu ? { processCpu } : {}),
      memory: {
        ...(memory.stackRssMb ? { stackRssMb: Number(memory.stackRssMb) } : {}),
        ...(memory.dynamodbRssMb ? { dynamodbRssMb: Number(memory.dynamodbRssMb) } : {}),
      },
      warnings: logs
        .split('\n')
        .filter((line) => / (WARN|ERROR) /.test(line) || /"level":"(WARN|ERROR)"/.test(line)),
    };
  } finally {
    await stack.dispose();
  }
};
