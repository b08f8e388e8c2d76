import { z } from 'zod';

/** The messages between the worker pool (`worker-invoker.ts`) and a function worker (`function-worker.ts`). */

export const workerDataSchema = z.object({
  name: z.string(),
  modulePath: z.string(),
  timeoutSeconds: z.number().positive(),
  region: z.string(),
});
export type FunctionWorkerData = z.infer<typeof workerDataSchema>;

/** Pool → worker: run the handler once on `event`. */
export const invocationSchema = z.object({ id: z.number().int(), event: z.unknown() });

const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
});
export type SerializedError = z.infer<typeof serializedErrorSchema>;

/** Worker → pool. */
export const workerMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), heapLimitMb: z.number() }),
  z.object({ kind: z.literal('load-failed'), error: serializedErrorSchema }),
  z.object({
    kind: z.literal('result'),
    id: z.number().int(),
    ok: z.boolean(),
    value: z.unknown().optional(),
    error: serializedErrorSchema.optional(),
    peakHeapMb: z.number(),
  }),
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;
