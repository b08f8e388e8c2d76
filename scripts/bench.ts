/**
 * `npm run bench`: a 200 MB users import measured against its floors.
 *
 *   npm run bench [-- --mb 200] [--seed 2026] [--store-items 100000] [--skip cpu,store,e2e]
 *
 * 1. Generates (or reuses) a deterministic users CSV under `.bench/`.
 * 2. CPU floor: csv-parse + zod over the file on one core; then validate-file + process-chunk over the same
 *    file with the stores stubbed, process-chunk on one thread per core.
 * 3. Store: the DynamoDB emulator's raw write rate with the shipped write pattern, plain BatchWriteItem and
 *    a conditional PutItem per record.
 * 4. End to end: a fresh local stack, the file uploaded through the API as the console does, every stage
 *    timed, the stack's peak memory and its functions' heap peaks.
 *
 * Settings of the stack and the handlers come from the environment as for `npm start` (for instance
 * `IMPORTS_CHUNKS_CONCURRENCY=3 npm run bench`). Progress goes to stderr; the last line on stdout is
 * `e2e/store=<ratio> cpu/floor=<ratio> heap-capped=<yes|no>`.
 */

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { chunkingSettings, loadConfig } from '../lambdas/shared/config';
import { loadLocalSettings } from '../local/settings';
import { parseOptions, readArgs } from './args';
import {
  type Floor,
  measureFloor,
  measureMappingCost,
  measurePipelineCpu,
  type PipelineCpu,
} from './bench-cpu';
import { type BenchFile, type BenchFileSpec, EXPORT_MAPPING, generateBenchFile } from './bench-data';
import { type EndToEnd, runEndToEnd } from './bench-e2e';
import { formatRate, formatSeconds, heapCapped, processCpuSummary, table, verdictLine } from './bench-report';
import { measureStore, type StoreRate } from './bench-store';

const REPO_ROOT = resolve(__dirname, '..');
const MB = 2 ** 20;

const text = { type: 'string' } as const;
const { values: flags } = readArgs(
  {
    options: {
      mb: text,
      seed: text,
      'invalid-every': text,
      'store-items': text,
      'put-items': text,
      'cpu-workers': text,
      'timeout-minutes': text,
      skip: text,
    },
  },
  'npm run bench -- [--mb N] [--seed S] [--invalid-every N] [--store-items N] [--put-items N] [--cpu-workers N] [--timeout-minutes N] [--skip floor,cpu,store,e2e]',
);

const options = parseOptions(
  z.object({
    mb: z.coerce.number().positive().max(200).default(200),
    seed: z.coerce.number().int().default(2026),
    invalidEvery: z.coerce.number().int().positive().default(33),
    storeItems: z.coerce.number().int().positive().default(100_000),
    putItems: z.coerce.number().int().positive().default(20_000),
    cpuWorkers: z.coerce.number().int().positive().default(availableParallelism()),
    timeoutMinutes: z.coerce.number().positive().default(90),
    skip: z
      .string()
      .default('')
      .transform((value) => new Set(value.split(',').filter(Boolean))),
  }),
  {
    mb: flags.mb,
    seed: flags.seed,
    invalidEvery: flags['invalid-every'],
    storeItems: flags['store-items'],
    putItems: flags['put-items'],
    cpuWorkers: flags['cpu-workers'],
    timeoutMinutes: flags['timeout-minutes'],
    skip: flags.skip,
  },
  'npm run bench -- [--mb N] [--seed S] [--invalid-every N] [--store-items N] [--put-items N] [--cpu-workers N] [--timeout-minutes N] [--skip floor,cpu,store,e2e]',
);

const out = (line = '') => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const thousands = (value: number) => value.toLocaleString('en-US');

/** The file of this spec, generated once and reused while its summary next to it still matches. */
const benchFile = async (spec: BenchFileSpec): Promise<{ file: BenchFile; generatedSeconds?: number }> => {
  const dir = join(REPO_ROOT, '.bench');
  await mkdir(dir, { recursive: true });
  const dialect = spec.dialect === 'export' ? '-export' : '';
  const path = join(dir, `bench-users${dialect}-${spec.maxBytes}-s${spec.seed}-i${spec.invalidEvery}.csv`);
  const summaryPath = `${path}.json`;
  try {
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as BenchFile;
    if ((await stat(path)).size === summary.bytes) return { file: { ...summary, path } };
  } catch {
    // No usable earlier file: generate it.
  }
  progress(`generating ${path} …`);
  const started = performance.now();
  const file = await generateBenchFile(path, spec);
  await writeFile(summaryPath, JSON.stringify(file));
  return { file, generatedSeconds: (performance.now() - started) / 1000 };
};

/**
 * A check's figures (DESIGN §10): its time beside the import's, and its key reads per second (the
 * rows it would import, each key read once) against the store's batch-read rate measured in this run.
 */
const checkLine = (e2e: EndToEnd, rates: readonly StoreRate[]): string => {
  const { check } = e2e;
  if (!check) return 'not measured';
  const keys = check.task.successCount;
  const perSecond = keys / check.processSeconds;
  const read = rates.find((rate) => rate.pattern === 'batchRead');
  const ratio = read
    ? ` = ${(perSecond / read.itemsPerSecond).toFixed(2)} × the store's batch-read rate (goal ≥ 0.9)`
    : '';
  return `${check.task.status} (${thousands(check.task.successCount)} would import, ${thousands(check.task.errorCount)} would fail) in ${formatSeconds(check.seconds)} vs the import's ${formatSeconds(e2e.stages.total)}; process stage ${formatSeconds(check.processSeconds)}, ${formatRate(perSecond, 'keys')} read${ratio}`;
};

const main = async () => {
  const localSettings = loadLocalSettings(process.env, process.cwd());
  const handlerSettings = loadConfig(chunkingSettings);
  out(
    `Bulk Imports bench: ${new Date().toISOString()}, Node ${process.version}, ${availableParallelism()} cores`,
  );
  out(
    `Settings: CHUNK_MAX_ROWS=${handlerSettings.CHUNK_MAX_ROWS} CHUNK_MAX_BYTES=${handlerSettings.CHUNK_MAX_BYTES} ` +
      `WRITE_BATCH_SIZE=${handlerSettings.WRITE_BATCH_SIZE} WRITE_CONCURRENCY=${handlerSettings.WRITE_CONCURRENCY} ` +
      `IMPORTS_CHUNKS_CONCURRENCY=${localSettings.concurrency.chunks}`,
  );

  const spec = {
    maxBytes: Math.floor(options.mb * MB),
    seed: options.seed,
    invalidEvery: options.invalidEvery,
  };
  const { file, generatedSeconds } = await benchFile(spec);
  out();
  out('File');
  out(
    table([
      ['path', file.path],
      ['size', `${thousands(file.bytes)} bytes (${(file.bytes / MB).toFixed(1)} MB)`],
      [
        'rows',
        `${thousands(file.rows)}: ${thousands(file.invalidRows)} invalid, ${thousands(file.quotedRows)} with quoted values`,
      ],
      [
        'generated',
        generatedSeconds === undefined ? 'reused from an earlier run' : formatSeconds(generatedSeconds),
      ],
    ]),
  );

  let floor: Floor | undefined;
  let cpu: PipelineCpu | undefined;
  if (!options.skip.has('cpu')) {
    out();
    out(`CPU, stores stubbed (load average before: ${load()})`);
    progress('measuring the single-core floor …');
    floor = await measureFloor(file);
    progress('measuring validate-file + process-chunk with the stores stubbed …');
    cpu = await measurePipelineCpu(file, options.cpuWorkers);
    out(
      table([
        [
          'floor: csv-parse + zod, 1 core',
          `${formatSeconds(floor.seconds)}, ${formatRate(floor.rowsPerSecond, 'rows')} (${floor.cpuMicrosPerRow.toFixed(1)} µs CPU/row)`,
        ],
        ['validate-file (one pass + plan)', `${formatSeconds(cpu.validateSeconds)}, ${cpu.chunks} chunks`],
        [
          `process-chunk, ${cpu.workers} threads`,
          `${formatSeconds(cpu.processSeconds)}, ${cpu.processCpuMicrosPerRow.toFixed(1)} µs CPU/row; the threads were on a core ${Math.round(cpu.coreShare * 100)}% of the time, other threads (GC helpers, file reads) used ${cpu.otherThreadsCpuMicrosPerRow.toFixed(1)} µs CPU/row; ${thousands(cpu.failedRows)} failed rows`,
        ],
        ['validate + split + process', `${formatRate(cpu.rowsPerSecond, 'rows')}`],
      ]),
    );
    // The same rows as another system exports them: read through a mapping, dates day first, their order
    // read from the whole column in validate-file's pass (DESIGN §9). Goal: at most 5 % more CPU.
    progress('measuring the same rows through a mapping, with day-first dates to detect …');
    const { file: exported } = await benchFile({ ...spec, dialect: 'export' });
    // Three million rows per path at least (three passes of a 200 MB file, fourteen of a 20 MB one): runs
    // of a million still differ by a few per cent, as much as what is measured.
    const passes = Math.max(3, Math.ceil(3e6 / file.rows));
    const cost = await measureMappingCost(file, exported, { mapping: EXPORT_MAPPING }, passes);
    const both = (pair: { plain: number; mapped: number }, digits: number, unit: string) =>
      `${pair.mapped.toFixed(digits)} vs ${pair.plain.toFixed(digits)} ${unit}`;
    out(
      table([
        [
          'through a mapping, dates detected',
          `validate-file ${both(cost.validateCpuSeconds, 2, 's CPU')} (median of ${cost.passes}, in turns); process-chunk ${both(cost.processCpuMicrosPerRow, 2, 'µs CPU/row')} (${cost.passes} passes, one thread, the two files chunk by chunk in turns)`,
        ],
        [
          'mapping + date detection',
          `CPU path ${both(cost.cpuSeconds, 2, 's')}: cost ${(cost.extra * 100).toFixed(1)} % (goal ≤ 5 %)`,
        ],
      ]),
    );
  }

  let rates: StoreRate[] = [];
  if (!options.skip.has('store')) {
    const inFlight = Math.max(1, localSettings.concurrency.chunks) * handlerSettings.WRITE_CONCURRENCY;
    out();
    out(
      `Store: DynamoDB emulator in its own process, ${inFlight} requests in flight (load average before: ${load()})`,
    );
    progress('measuring the store …');
    rates = await measureStore(file, {
      items: options.storeItems,
      putItems: options.putItems,
      batchSize: handlerSettings.WRITE_BATCH_SIZE,
      inFlight,
    });
    const describe: Record<StoreRate['pattern'], string> = {
      insertBatch: `shipped: BatchExecuteStatement, ${handlerSettings.WRITE_BATCH_SIZE} INSERTs (exact)`,
      batchWriteItem: 'BatchWriteItem, 25 puts (no conditions)',
      conditionalPutItem: 'PutItem + attribute_not_exists (exact)',
      batchRead: 'read for a check: BatchGetItem, 100 keys (consistent)',
    };
    out(
      table(
        rates.map((rate) => [
          describe[rate.pattern],
          `${formatRate(rate.itemsPerSecond, 'items')} (${thousands(rate.items)} items, CPU per item: client ${Math.round(rate.clientMicros)} µs, emulator ${rate.emulatorMicros === undefined ? '?' : Math.round(rate.emulatorMicros)} µs)`,
        ]),
      ),
    );
  }
  const shipped = rates.find((rate) => rate.pattern === 'insertBatch');
  const plain = rates.find((rate) => rate.pattern === 'batchWriteItem');
  if (shipped && plain) {
    out(`  shipped / BatchWriteItem = ${(shipped.itemsPerSecond / plain.itemsPerSecond).toFixed(2)}`);
  }

  let e2e: EndToEnd | undefined;
  if (!options.skip.has('e2e')) {
    out();
    out(`End to end: local stack, upload through the API (load average before: ${load()})`);
    progress('importing through a fresh local stack …');
    let lastShown = 0;
    e2e = await runEndToEnd(file, {
      env: {},
      // A fifth of the way in: the large import's chunks are flowing, most of its file still to come.
      fairnessAt: 0.2,
      check: true,
      timeoutMs: options.timeoutMinutes * 60_000,
      onProgress: (task) => {
        if (Date.now() - lastShown < 10_000) return;
        lastShown = Date.now();
        progress(
          `  ${task.status} ${thousands(task.processedRows)}/${thousands(task.totalRows ?? 0)} rows (load ${load()})`,
        );
      },
    });
    const { task, stages } = e2e;
    const expected = file.rows - file.invalidRows;
    const exact = task.successCount === expected && task.errorCount === file.invalidRows;
    const heap = (name: string) => {
      const stats = e2e?.functions.find((candidate) => candidate.name === name);
      return stats
        ? `${stats.peakHeapMb} MB peak heap (cap ${stats.maxOldSpaceMb} MB old space), ${stats.invocations} invocations, ${stats.crashes} crashes, ${stats.timeouts} timeouts`
        : 'did not report';
    };
    out(
      table([
        [
          'outcome',
          `${task.status}: ${thousands(task.successCount)} imported, ${thousands(task.errorCount)} failed (${exact ? 'as expected' : `EXPECTED ${thousands(expected)} / ${thousands(file.invalidRows)}`})`,
        ],
        ['upload (API + multipart PUTs)', formatSeconds(stages.upload)],
        ['validate (event → PROCESSING)', formatSeconds(stages.validate)],
        [
          'process (chunks, all counted)',
          `${formatSeconds(stages.process)}, ${e2e.chunkBatches} chunk batches`,
        ],
        ['finalize (reports, final status)', formatSeconds(stages.finalize)],
        ['total', formatSeconds(stages.total)],
        [
          'end to end',
          `${formatRate(file.rows / stages.total, 'rows')}, ${(file.bytes / MB / stages.total).toFixed(2)} MB/s`,
        ],
        ['process stage alone', formatRate(file.rows / stages.process, 'rows')],
        ['stack process peak RSS', `${e2e.memory.stackRssMb ?? '?'} MB (main thread + function threads)`],
        ['DynamoDB emulator peak RSS', `${e2e.memory.dynamodbRssMb ?? '?'} MB`],
        ['validate-file', heap('validate-file')],
        ['process-chunk', heap('process-chunk')],
        ['finalize-import', heap('finalize-import')],
        ['warnings in the stack log', String(e2e.warnings.length)],
        [
          'fairness: another account',
          e2e.fairness
            ? `a ${thousands(e2e.fairness.rows)}-row import started at ${Math.round(e2e.fairness.largeProgress * 100)}% of this one was ${e2e.fairness.status} in ${formatSeconds(e2e.fairness.secondsToFinal)} (queued behind at most CHUNK_WINDOW = ${process.env.CHUNK_WINDOW ?? 2 * Math.max(1, localSettings.concurrency.chunks)} chunks of this import)`
            : 'not measured',
        ],
        ['check of the same file', checkLine(e2e, rates)],
      ]),
    );
    for (const warning of e2e.warnings.slice(0, 5)) out(`    ${warning.slice(0, 200)}`);
    if (e2e.processCpu) {
      out();
      out(processCpuSummary(e2e.processCpu, file.rows));
    }
    if (!exact || task.status !== 'PARTIAL_SUCCESS') process.exitCode = 1;
  }

  out();
  out(`Load average at the end: ${load()}`);
  out(
    verdictLine({
      e2eRowsPerSecond: e2e ? file.rows / e2e.stages.total : Number.NaN,
      storeItemsPerSecond: shipped?.itemsPerSecond ?? Number.NaN,
      cpuRowsPerSecond: cpu?.rowsPerSecond ?? Number.NaN,
      floorRowsPerSecond: floor?.rowsPerSecond ?? Number.NaN,
      heapCapped: e2e ? heapCapped(e2e.functions) : false,
    }),
  );
};

main().catch((error: unknown) => {
  progress(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
