import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { FUZZ_TARGETS } from './targets';

/**
 * Runs one fuzz target in a worker thread (so the engine can stop a hang and bound the heap) and answers
 * each input with the code blocks it reached, from V8's own block coverage: no instrumentation step.
 */

export type WorkerRequest = { input: Uint8Array };
export type WorkerReply =
  | { ok: true; features: string[]; heapBytes: number }
  | { ok: false; error: string; features: string[]; heapBytes: number };

const target = FUZZ_TARGETS[(workerData as { target: string }).target];
if (!target || !parentPort) throw new Error('fuzz worker: unknown target or not in a worker');
const port = parentPort;

const session = new Session();
session.connect();
const post = <T>(method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))),
  );

interface Coverage {
  result: {
    url: string;
    functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
  }[];
}

/** Hit counts in AFL's buckets: a block run once and one run a hundred times are different features. */
const bucket = (count: number): number =>
  count >= 128 ? 8 : count >= 32 ? 7 : count >= 8 ? 5 : Math.min(count, 4);

const features = async (): Promise<string[]> => {
  const { result } = await post<Coverage>('Profiler.takePreciseCoverage');
  const found: string[] = [];
  for (const script of result) {
    if (!target.covers.test(script.url)) continue;
    const file = script.url.slice(script.url.lastIndexOf('/') + 1);
    for (const fn of script.functions) {
      for (const range of fn.ranges) {
        if (range.count > 0)
          found.push(`${file}:${range.startOffset}:${range.endOffset}:${bucket(range.count)}`);
      }
    }
  }
  return found;
};

const start = async () => {
  await post('Profiler.enable');
  await post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  port.on('message', async ({ input }: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      await target.run(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
      reply = { ok: true, features: await features(), heapBytes: process.memoryUsage().heapUsed };
    } catch (error) {
      const text =
        error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
      reply = {
        ok: false,
        error: text,
        features: await features(),
        heapBytes: process.memoryUsage().heapUsed,
      };
    }
    port.postMessage(reply);
  });
  port.postMessage({ ready: true });
};

start().catch((error: unknown) => {
  throw error;
});
