import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { lambdaContext } from './invoker';
import {
  invocationSchema,
  type SerializedError,
  type WorkerMessage,
  workerDataSchema,
} from './worker-protocol';

/**
 * One function environment of the local stack, in a worker thread (see `worker-invoker.ts`): loads the
 * handler module once (the cold start), then runs one invocation at a time, as a Lambda environment does,
 * reporting the peak heap it has used so far with every answer.
 */

/** How often the heap is sampled while a handler runs: often enough to see a chunk's peak. */
const HEAP_SAMPLE_MS = 50;

const toMb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

const serializeError = (error: unknown): SerializedError =>
  error instanceof Error
    ? { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) }
    : { name: 'Error', message: String(error) };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const main = async () => {
  const port = parentPort;
  if (!port) throw new Error('function-worker.ts runs only as a worker thread');
  const post = (message: WorkerMessage) => port.postMessage(message);
  const fn = workerDataSchema.parse(workerData);

  let handler: Handler;
  try {
    // The module parses its config and builds its clients here, once: the function's cold start.
    const loaded: unknown = await import(fn.modulePath);
    const exported = (loaded as { handler?: unknown }).handler;
    if (typeof exported !== 'function')
      throw new Error(`${fn.modulePath} does not export a handler function`);
    handler = exported as Handler;
  } catch (error) {
    post({ kind: 'load-failed', error: serializeError(error) });
    return;
  }

  let peakHeap = getHeapStatistics().used_heap_size;
  const sampleHeap = () => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  };
  port.on('message', async (message: unknown) => {
    const { id, event } = invocationSchema.parse(message);
    const sampler = setInterval(sampleHeap, HEAP_SAMPLE_MS);
    try {
      const value = await handler(event, lambdaContext(fn.name, fn.timeoutSeconds, fn.region));
      sampleHeap();
      post({ kind: 'result', id, ok: true, value, peakHeapMb: toMb(peakHeap) });
    } catch (error) {
      sampleHeap();
      post({ kind: 'result', id, ok: false, error: serializeError(error), peakHeapMb: toMb(peakHeap) });
    } finally {
      clearInterval(sampler);
    }
  });
  post({ kind: 'ready', heapLimitMb: toMb(getHeapStatistics().heap_size_limit) });
};

void main();
