import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { processChunk } from '../lambdas/process-chunk/process-chunk';
import { chunkingSettings, loadConfig } from '../lambdas/shared/config';
import {
  type ChunkMessage,
  chunkMessageSchema,
  type FinalizeMessage,
  TaskStatus,
} from '../lambdas/shared/model';
import { FakeQueue } from '../test/helpers/fakes';
import { acceptingRecordStore, fileObjectStore, MemoryTaskStore, silentLogger } from './bench-stubs';

/**
 * One core's worth of process-chunk for the CPU bench (`bench-cpu.ts`): takes chunk messages one at a
 * time and runs the real core on them with the stores stubbed, answering each chunk's counts.
 */

const fileSchema = z.object({
  path: z.string(),
  size: z.number().int(),
  chunkCount: z.number().int(),
  manifests: z.array(z.tuple([z.string(), z.instanceof(Uint8Array)])),
});
/** One file, or several (the mapping comparison runs two in one thread, so both share its compiled code). */
const optionsSchema = z.union([
  fileSchema.transform((file) => [file]),
  z.object({ files: z.array(fileSchema) }).transform(({ files }) => files),
]);
/** A chunk of the first file, or of the file at `file`. */
const requestSchema = z.union([
  chunkMessageSchema.transform((message) => ({ file: 0, message })),
  z.object({ file: z.number().int().nonnegative(), message: chunkMessageSchema }),
]);

const depsOf = async ({ path, size, chunkCount, manifests }: z.infer<typeof fileSchema>) => {
  const tasks = MemoryTaskStore.forFile(size);
  await tasks.update('', { status: TaskStatus.PROCESSING, chunkCount, chunksDone: 0 });
  return {
    // Open for the thread's life: the bench terminates the thread when every chunk is done.
    objects: (
      await fileObjectStore(
        path,
        size,
        new Map(
          manifests.map(([key, body]) => [key, Buffer.from(body.buffer, body.byteOffset, body.length)]),
        ),
      )
    ).objects,
    tasks,
    records: acceptingRecordStore,
    finalize: new FakeQueue<FinalizeMessage>(),
    // The CPU bench plans every chunk at once (no window): nothing is sent from here.
    chunks: new FakeQueue<ChunkMessage>(),
    settings: loadConfig(chunkingSettings),
    logger: silentLogger,
  };
};

const main = async () => {
  const port = parentPort;
  if (!port) throw new Error('bench-cpu-worker.ts runs only as a worker thread');
  const files = await Promise.all(optionsSchema.parse(workerData).map(depsOf));
  port.on('message', async (raw: unknown) => {
    const { file, message } = requestSchema.parse(raw);
    const deps = files[file];
    if (!deps) throw new Error(`No file ${file} in this worker`);
    const before = await deps.tasks.get();
    const cpu = process.threadCpuUsage();
    await processChunk(deps, message);
    const used = process.threadCpuUsage(cpu);
    const after = await deps.tasks.get();
    port.postMessage({
      rows: (after?.processedRows ?? 0) - (before?.processedRows ?? 0),
      errors: (after?.errorCount ?? 0) - (before?.errorCount ?? 0),
      cpuMicros: used.user + used.system,
    });
  });
  port.postMessage('ready');
};

void main();
