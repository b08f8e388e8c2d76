import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { mulberry32 } from '../prng';
import { FUZZ_TARGETS } from './targets';
import type { WorkerReply } from './worker';

/**
 * A coverage-guided mutational fuzzer in the manner of libFuzzer: inputs from the corpus are mutated, run
 * in a worker thread, and kept when they reach a code block (or a block's hit-count bucket) no input
 * reached before. Jazzer.js, the maintained libFuzzer binding for Node, cannot load on this machine (its
 * only published build needs glibc 2.38 and libstdc++ 3.4.32; Debian 12 has 2.36 and 3.4.30), so the
 * engine is here and the coverage comes from V8's block counters. Seeded: the same seed, corpus and
 * number of runs make the same inputs.
 */

export interface FuzzOptions {
  target: string;
  seed: number;
  /** Stop after this many runs or this many seconds, whichever comes first. */
  maxRuns?: number;
  seconds?: number;
  /** Inputs to start from; new inputs that add coverage are written here when `grow` is set. */
  corpusDir: string;
  grow: boolean;
  /** Where a finding's input is written. */
  findingsDir: string;
  /** A run longer than this is a hang. */
  timeoutMs?: number;
  /** The worker's old-space cap; reaching it is a finding (unbounded memory). */
  heapLimitMb?: number;
  maxInputBytes?: number;
  log?: (line: string) => void;
}

export interface Finding {
  kind: 'error' | 'hang' | 'memory';
  detail: string;
  file: string;
}

export interface FuzzSummary {
  target: string;
  runs: number;
  seconds: number;
  runsPerSecond: number;
  corpus: number;
  added: number;
  features: number;
  peakHeapMb: number;
  findings: Finding[];
}

const INTERESTING = [
  0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x27, 0x2c, 0x2d, 0x3b, 0x3d, 0x7f, 0x80, 0xbb, 0xbf, 0xc3, 0xef, 0xfe,
  0xff,
];

type Rng = () => number;
const below = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** One to four stacked edits: byte flips and sets, dictionary tokens, deletions, repeats and splices. */
export const mutate = (
  parent: Buffer,
  rng: Rng,
  dictionary: readonly Buffer[],
  corpus: readonly Buffer[],
  maxBytes: number,
): Buffer => {
  let data = Buffer.from(parent);
  const edits = 1 + below(rng, 4);
  for (let edit = 0; edit < edits; edit += 1) {
    const at = below(rng, data.length + 1);
    switch (below(rng, 8)) {
      case 0:
        if (data.length > 0) data[at % data.length] = (data[at % data.length] ?? 0) ^ (1 << below(rng, 8));
        break;
      case 1:
        if (data.length > 0) data[at % data.length] = INTERESTING[below(rng, INTERESTING.length)] ?? 0;
        break;
      case 2:
      case 3: {
        const token = dictionary[below(rng, dictionary.length)] ?? Buffer.alloc(0);
        data = Buffer.concat([data.subarray(0, at), token, data.subarray(at)]);
        break;
      }
      case 4: {
        const length = 1 + below(rng, Math.min(64, Math.max(1, data.length - at)));
        data = Buffer.concat([data.subarray(0, at), data.subarray(at + length)]);
        break;
      }
      case 5: {
        // Repeats grow the input quickly: long cells, deep nesting, many parts.
        const length = 1 + below(rng, Math.min(256, Math.max(1, data.length - at)));
        const piece = data.subarray(at, at + length);
        const times = 1 + below(rng, 64);
        data = Buffer.concat([
          data.subarray(0, at),
          ...Array.from({ length: times }, () => piece),
          data.subarray(at),
        ]);
        break;
      }
      case 6: {
        const other = corpus[below(rng, corpus.length)] ?? Buffer.alloc(0);
        const from = below(rng, other.length + 1);
        data = Buffer.concat([data.subarray(0, at), other.subarray(from, from + 1 + below(rng, 512))]);
        break;
      }
      default: {
        const bytes = Buffer.alloc(1 + below(rng, 8));
        for (let i = 0; i < bytes.length; i += 1) bytes[i] = below(rng, 256);
        data = Buffer.concat([data.subarray(0, at), bytes, data.subarray(at)]);
      }
    }
  }
  return data.length > maxBytes ? data.subarray(0, maxBytes) : data;
};

const hashOf = (input: Buffer): string => createHash('sha1').update(input).digest('hex');

const readCorpus = (dir: string): Buffer[] => {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
};

class TargetWorker {
  private worker!: Worker;
  private ready!: Promise<void>;
  private pending?: { resolve: (reply: WorkerReply | Failure) => void };

  constructor(
    private readonly target: string,
    private readonly heapLimitMb: number,
  ) {
    this.start();
  }

  private start(): void {
    this.worker = new Worker(join(__dirname, 'worker.ts'), {
      workerData: { target: this.target },
      execArgv: ['--import', 'tsx'],
      resourceLimits: { maxOldGenerationSizeMb: this.heapLimitMb },
      stdout: true,
      stderr: true,
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      const kind = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : 'error';
      this.pending?.resolve({ failed: kind, detail: `${error.name}: ${error.message}` });
      this.pending = undefined;
    });
    this.worker.on('exit', (code) => {
      this.pending?.resolve({ failed: 'error', detail: `worker exited with code ${code}` });
      this.pending = undefined;
    });
  }

  async run(input: Buffer, timeoutMs: number): Promise<WorkerReply | Failure> {
    await this.ready;
    const reply = await new Promise<WorkerReply | Failure>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve({ failed: 'hang', detail: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
      this.worker.once('message', (message: WorkerReply) => this.pending?.resolve(message));
      this.worker.postMessage({ input });
    });
    if ('failed' in reply) await this.restart();
    return reply;
  }

  private async restart(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
    this.start();
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners();
    await this.worker.terminate();
  }
}

type Failure = { failed: Finding['kind']; detail: string };

/**
 * Shrinks a corpus to the inputs that matter, as libFuzzer's merge does: every input is run, smallest
 * first, and kept only if it reaches a feature no smaller input reached. Returns how many were kept.
 */
export const minimizeCorpus = async (
  target: string,
  corpusDir: string,
  log: (line: string) => void = () => undefined,
): Promise<{ before: number; kept: number }> => {
  if (!FUZZ_TARGETS[target]) throw new Error(`Unknown fuzz target "${target}"`);
  const names = readdirSync(corpusDir).filter((name) => !name.startsWith('.'));
  const inputs = names
    .map((name) => ({ name, bytes: readFileSync(join(corpusDir, name)) }))
    .sort((a, b) => a.bytes.length - b.bytes.length || a.name.localeCompare(b.name));
  const worker = new TargetWorker(target, 512);
  const seen = new Set<string>();
  let kept = 0;
  try {
    for (const input of inputs) {
      const reply = await worker.run(input.bytes, 10_000);
      const adds = 'failed' in reply ? false : reply.features.some((feature) => !seen.has(feature));
      if ('failed' in reply) log(`${target}: ${input.name} failed (${reply.detail}); kept for a look`);
      if (!('failed' in reply)) for (const feature of reply.features) seen.add(feature);
      // Seeds (named by hand) stay whatever they add.
      if (adds || 'failed' in reply || input.name.startsWith('seed-')) kept += 1;
      else unlinkSync(join(corpusDir, input.name));
    }
  } finally {
    await worker.stop();
  }
  return { before: inputs.length, kept };
};

export const fuzz = async (options: FuzzOptions): Promise<FuzzSummary> => {
  const target = FUZZ_TARGETS[options.target];
  if (!target)
    throw new Error(`Unknown fuzz target "${options.target}": ${Object.keys(FUZZ_TARGETS).join(', ')}`);
  const log = options.log ?? (() => undefined);
  const rng = mulberry32(options.seed);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const heapLimitMb = options.heapLimitMb ?? 512;
  const maxBytes = options.maxInputBytes ?? 64 * 1024;
  const dictionary = target.dictionary.map((token) => Buffer.from(token, 'utf8'));
  const corpus = readCorpus(options.corpusDir);
  if (corpus.length === 0) corpus.push(Buffer.from(target.dictionary.join(''), 'utf8'));
  const startCorpus = corpus.length;
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const findingKeys = new Set<string>();
  const worker = new TargetWorker(options.target, heapLimitMb);
  const started = Date.now();
  const deadline = started + (options.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const maxRuns = options.maxRuns ?? Number.POSITIVE_INFINITY;
  let runs = 0;
  let peakHeap = 0;
  let lastReport = started;

  const record = (kind: Finding['kind'], detail: string, input: Buffer) => {
    const key = `${kind}:${detail.split('\n')[0]}`;
    if (findingKeys.has(key)) return;
    findingKeys.add(key);
    mkdirSync(options.findingsDir, { recursive: true });
    const file = join(options.findingsDir, `${options.target}-${kind}-${hashOf(input)}`);
    writeFileSync(file, input);
    findings.push({ kind, detail, file });
    log(`finding: ${kind}: ${detail.split('\n')[0]} (input in ${file})`);
  };

  const runOne = async (input: Buffer): Promise<boolean> => {
    runs += 1;
    const reply = await worker.run(input, timeoutMs);
    if ('failed' in reply) {
      record(reply.failed, reply.detail, input);
      return false;
    }
    peakHeap = Math.max(peakHeap, reply.heapBytes);
    if (reply.heapBytes > heapLimitMb * 1024 * 1024 * 0.8)
      record('memory', `heap at ${Math.round(reply.heapBytes / 1e6)} MB after one input`, input);
    if (!reply.ok) record('error', reply.error, input);
    let added = false;
    for (const feature of reply.features) {
      if (!seen.has(feature)) {
        seen.add(feature);
        added = true;
      }
    }
    return added;
  };

  try {
    for (const input of corpus) await runOne(input);
    while (runs < maxRuns && Date.now() < deadline) {
      const parent = corpus[below(rng, corpus.length)] ?? Buffer.alloc(0);
      const child = mutate(parent, rng, dictionary, corpus, maxBytes);
      if (await runOne(child)) {
        corpus.push(child);
        if (options.grow) writeFileSync(join(options.corpusDir, hashOf(child)), child);
      }
      if (Date.now() - lastReport > 60_000) {
        lastReport = Date.now();
        const seconds = (lastReport - started) / 1000;
        log(
          `${options.target}: ${runs} runs in ${seconds.toFixed(0)} s (${(runs / seconds).toFixed(0)}/s), corpus ${corpus.length}, features ${seen.size}, findings ${findings.length}`,
        );
      }
    }
  } finally {
    await worker.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    target: options.target,
    runs,
    seconds,
    runsPerSecond: runs / seconds,
    corpus: corpus.length,
    added: corpus.length - startCorpus,
    features: seen.size,
    peakHeapMb: peakHeap / 1e6,
    findings,
  };
};
