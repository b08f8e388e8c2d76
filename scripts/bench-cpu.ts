import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { parse } from 'csv-parse';
import { z } from 'zod';
import { chunkingSettings, importLimitSettings, loadConfig } from '../lambdas/shared/config';
import { cellValue } from '../lambdas/shared/csv-cells';
import type { ChunkMessage, StartMessage, TaskRecord } from '../lambdas/shared/model';
import { findTemplate, type TemplateDefinition, validateRow } from '../lambdas/shared/templates';
import { ValidateOutcome, validateFile } from '../lambdas/validate-file/validate-file';
import { FakeImportSlots, FakeMappingStore, FakeQueue } from '../test/helpers/fakes';
import type { BenchFile } from './bench-data';
import { benchObjectKey, fileObjectStore, MemoryTaskStore, silentLogger } from './bench-stubs';

/**
 * The CPU side of the bench: the single-core floor (csv-parse streaming into the template's zod schema,
 * nothing else), and the pipeline's own work over the same file with the stores stubbed: validate-file's
 * pass and chunk plan on this thread, then process-chunk on one worker thread per core.
 */

const usersTemplate = (): TemplateDefinition => {
  const template = findTemplate('users');
  if (!template) throw new Error('The users template is missing');
  return template;
};

export interface Floor {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** CPU time of the thread, per row: what the floor costs when it gets a core to itself. */
  cpuMicrosPerRow: number;
}

/** csv-parse + zod over the whole file on this thread: what one core must spend per row at least. */
export const measureFloor = async (file: BenchFile): Promise<Floor> => {
  const template = usersTemplate();
  const columns = template.columns.map((column) => column.name);
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  let rows = 0;
  const records = createReadStream(file.path, { highWaterMark: 1 << 20 }).pipe(
    parse({ record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, from_line: 2 }),
  );
  for await (const cells of records as AsyncIterable<string[]>) {
    const values: Record<string, string | undefined> = {};
    for (let index = 0; index < columns.length; index += 1) {
      const value = cellValue(cells[index] ?? '', false);
      values[columns[index] ?? ''] = value === '' ? undefined : value;
    }
    validateRow(template, values);
    rows += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.threadCpuUsage(cpu);
  if (rows !== file.rows) throw new Error(`The floor read ${rows} rows; the file has ${file.rows}`);
  return { rows, seconds, rowsPerSecond: rows / seconds, cpuMicrosPerRow: (used.user + used.system) / rows };
};

export interface PipelineCpu {
  workers: number;
  chunks: number;
  rows: number;
  failedRows: number;
  validateSeconds: number;
  processSeconds: number;
  rowsPerSecond: number;
  /** CPU time of the process-chunk threads, per row. */
  processCpuMicrosPerRow: number;
  /** Share of the process phase the threads spent on a core (1 = each thread had a core throughout). */
  coreShare: number;
  /**
   * CPU time of everything else in the bench's process during the process phase, per row: V8's garbage
   * collection helpers and libuv's file reads for every thread (the JS threads' own GC pauses are theirs).
   */
  otherThreadsCpuMicrosPerRow: number;
}

const chunkAnswerSchema = z.object({ rows: z.number(), errors: z.number(), cpuMicros: z.number() });

interface WorkerFile {
  file: BenchFile;
  chunkCount: number;
  manifests: Map<string, Buffer>;
}

/** A process-chunk thread over one file, or over several (then each request names its file). */
const startWorker = (files: readonly WorkerFile[]): Promise<Worker> =>
  new Promise((resolve, reject) => {
    // Workers inherit tsx's loader from this process's exec arguments.
    const worker = new Worker(join(__dirname, 'bench-cpu-worker.ts'), {
      workerData: {
        files: files.map(({ file, chunkCount, manifests }) => ({
          path: file.path,
          size: file.bytes,
          chunkCount,
          manifests: [...manifests],
        })),
      },
    });
    worker.once('message', (message) =>
      message === 'ready' ? resolve(worker) : reject(new Error(String(message))),
    );
    worker.once('error', reject);
  });

/** Runs every chunk on `workers` threads, each taking the next chunk when it is done with one. */
const processAll = async (workers: Worker[], messages: readonly ChunkMessage[]) => {
  let next = 0;
  let rows = 0;
  let failedRows = 0;
  let cpuMicros = 0;
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const sendNext = () => {
            const message = messages[next];
            next += 1;
            if (message) worker.postMessage(message);
            else resolve();
          };
          worker.on('message', (answer: unknown) => {
            const counts = chunkAnswerSchema.safeParse(answer);
            if (!counts.success) return reject(new Error(`A CPU bench worker answered ${String(answer)}`));
            rows += counts.data.rows;
            failedRows += counts.data.errors;
            cpuMicros += counts.data.cpuMicros;
            sendNext();
          });
          worker.on('error', reject);
          sendNext();
        }),
    ),
  );
  return { rows, failedRows, cpuMicros };
};

/** One file validated as the pipeline does, with its chunk messages and the thread CPU it took. */
const validateForBench = async (
  file: BenchFile,
  reading: Pick<TaskRecord, 'mapping' | 'formats' | 'defaultCountry'>,
) => {
  const { objects, manifests, close } = await fileObjectStore(file.path, file.bytes);
  const tasks = MemoryTaskStore.forFile(file.bytes, reading);
  const chunks = new FakeQueue<ChunkMessage>();
  // Every chunk at once (a window as large as any file's chunks): the CPU bench hands them to its threads.
  const settings = {
    ...loadConfig(chunkingSettings.extend(importLimitSettings.shape)),
    CHUNK_WINDOW: Number.MAX_SAFE_INTEGER,
  };
  const started = performance.now();
  const cpu = process.threadCpuUsage();
  const outcome = await validateFile(
    {
      objects,
      tasks,
      chunks,
      slots: new FakeImportSlots(),
      mappings: new FakeMappingStore(),
      starts: new FakeQueue<StartMessage>(),
      settings,
      logger: silentLogger,
    },
    benchObjectKey,
  ).finally(close);
  const used = process.threadCpuUsage(cpu);
  if (outcome !== ValidateOutcome.ENQUEUED) throw new Error(`validate-file answered ${outcome}`);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    messages: chunks.sent,
    manifests,
  };
};

export interface MappingCost {
  /** Passes over each file (validations in turns; process passes side by side). */
  passes: number;
  validateCpuSeconds: { plain: number; mapped: number };
  processCpuMicrosPerRow: { plain: number; mapped: number };
  /** CPU seconds of validate-file and process-chunk for the whole file, each path. */
  cpuSeconds: { plain: number; mapped: number };
  /** Extra CPU of the mapped path, as a share of the plain one. */
  extra: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('median of nothing');
  return middle;
};

/**
 * What reading a file through a mapping, with its dates' order detected, costs over reading the same
 * rows written as the template names them: the only differences are validate-file's reading of the date
 * column and process-chunk's conversion of its values, a few per cent, which whole runs one after another
 * cannot show (they differ from each other by more). So the two are measured paired: validate-file on
 * each file in turns (thread CPU, median of `passes`), and process-chunk in one thread taking the two
 * files in turns chunk by chunk, the same chunk of each one after the other (so both meet the same
 * compiled code, load, collector and caches), summed over `passes` passes.
 */
export const measureMappingCost = async (
  plain: BenchFile,
  exported: BenchFile,
  reading: Pick<TaskRecord, 'mapping' | 'formats' | 'defaultCountry'>,
  passes: number,
): Promise<MappingCost> => {
  // The same rows, but the export's own header is longer, so a file cut at a size may hold a few fewer.
  if (Math.abs(plain.rows - exported.rows) > plain.rows / 100)
    throw new Error(`The two files hold ${plain.rows} and ${exported.rows} rows: not the same rows`);
  const validations = { plain: [] as number[], mapped: [] as number[] };
  let plainRun: Awaited<ReturnType<typeof validateForBench>> | undefined;
  let mappedRun: Awaited<ReturnType<typeof validateForBench>> | undefined;
  for (let pass = 0; pass < passes; pass++) {
    plainRun = await validateForBench(plain, {});
    mappedRun = await validateForBench(exported, reading);
    validations.plain.push(plainRun.cpuSeconds);
    validations.mapped.push(mappedRun.cpuSeconds);
  }
  if (!plainRun || !mappedRun) throw new Error('no passes');
  // One thread for both files: two isolates compile the same code differently, by more than the goal.
  const worker = await startWorker([
    { file: plain, chunkCount: plainRun.messages.length, manifests: plainRun.manifests },
    { file: exported, chunkCount: mappedRun.messages.length, manifests: mappedRun.manifests },
  ]);
  const ask = (file: number, message: ChunkMessage | undefined) =>
    new Promise<z.infer<typeof chunkAnswerSchema>>((resolve, reject) => {
      if (!message) return resolve({ rows: 0, errors: 0, cpuMicros: 0 });
      worker.once('message', (answer: unknown) => {
        const counts = chunkAnswerSchema.safeParse(answer);
        if (counts.success) resolve(counts.data);
        else reject(new Error(`A CPU bench worker answered ${String(answer)}`));
      });
      worker.postMessage({ file, message });
    });
  const micros = { plain: 0, mapped: 0 };
  const rows = { plain: 0, mapped: 0 };
  try {
    const count = Math.max(plainRun.messages.length, mappedRun.messages.length);
    for (let pass = 0; pass < passes; pass++) {
      for (let index = 0; index < count; index++) {
        // The same chunk of each file one after the other, the first of the two changing from chunk to
        // chunk, so both meet the same compiled code, collector and caches.
        const plainFirst = (pass * count + index) % 2 === 0;
        const first = plainFirst ? await ask(0, plainRun.messages[index]) : undefined;
        const mapped = await ask(1, mappedRun.messages[index]);
        const same = first ?? (await ask(0, plainRun.messages[index]));
        micros.plain += same.cpuMicros;
        micros.mapped += mapped.cpuMicros;
        rows.plain += same.rows;
        rows.mapped += mapped.rows;
      }
    }
  } finally {
    await worker.terminate();
  }
  if (rows.plain !== plain.rows * passes || rows.mapped !== exported.rows * passes)
    throw new Error(`process-chunk counted ${rows.plain} and ${rows.mapped} rows over ${passes} passes`);
  const perRow = { plain: micros.plain / rows.plain, mapped: micros.mapped / rows.mapped };
  const validate = { plain: median(validations.plain), mapped: median(validations.mapped) };
  // Both paths over the plain file's rows: the export's validation scaled to them.
  const cpuSeconds = {
    plain: validate.plain + (perRow.plain * plain.rows) / 1e6,
    mapped: (validate.mapped * plain.rows) / exported.rows + (perRow.mapped * plain.rows) / 1e6,
  };
  return {
    passes,
    validateCpuSeconds: validate,
    processCpuMicrosPerRow: perRow,
    cpuSeconds,
    extra: cpuSeconds.mapped / cpuSeconds.plain - 1,
  };
};

export const measurePipelineCpu = async (
  file: BenchFile,
  workerCount: number,
  reading: Pick<TaskRecord, 'mapping' | 'formats' | 'defaultCountry'> = {},
): Promise<PipelineCpu> => {
  const validation = await validateForBench(file, reading);
  const validateSeconds = validation.seconds;
  const { manifests } = validation;
  const chunks = { sent: validation.messages };

  // Threads load their modules before the clock starts: a warm function, as most chunks meet on AWS.
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () =>
      startWorker([{ file, chunkCount: chunks.sent.length, manifests }]),
    ),
  );
  try {
    const processStarted = performance.now();
    const processCpu = process.cpuUsage();
    const mainThreadCpu = process.threadCpuUsage();
    const { rows, failedRows, cpuMicros } = await processAll(workers, chunks.sent);
    const processSeconds = (performance.now() - processStarted) / 1000;
    const allThreads = process.cpuUsage(processCpu);
    const mainThread = process.threadCpuUsage(mainThreadCpu);
    const otherMicros =
      allThreads.user + allThreads.system - cpuMicros - (mainThread.user + mainThread.system);
    if (rows !== file.rows) throw new Error(`process-chunk counted ${rows} rows; the file has ${file.rows}`);
    return {
      workers: workerCount,
      chunks: chunks.sent.length,
      rows,
      failedRows,
      validateSeconds,
      processSeconds,
      rowsPerSecond: rows / (validateSeconds + processSeconds),
      processCpuMicrosPerRow: cpuMicros / rows,
      coreShare: cpuMicros / 1e6 / (processSeconds * workerCount),
      otherThreadsCpuMicrosPerRow: Math.max(0, otherMicros) / rows,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
};
