import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * How the local stack runs a function. Pollers and the HTTP server only see `FunctionInvoker`: the
 * in-process invoker below runs the API and email ingest, `worker-invoker.ts` runs the queue consumers in
 * worker threads.
 */

export interface FunctionInvoker {
  readonly name: string;
  /** Runs the function once on `event`; rejects when it throws or outlives its timeout. */
  invoke(event: unknown): Promise<unknown>;
}

export class FunctionTimeoutError extends Error {
  constructor(name: string, timeoutSeconds: number) {
    super(`${name} timed out after ${timeoutSeconds} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

const notSupported = (what: string) => () => {
  throw new Error(`context.${what} is a deprecated callback API and is not supported`);
};

/** A Lambda context whose remaining time counts down from the function's timeout. */
export const lambdaContext = (
  functionName: string,
  timeoutSeconds: number,
  region: string,
  startedAt = Date.now(),
): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: `local/${functionName}`,
  getRemainingTimeInMillis: () => Math.max(0, startedAt + timeoutSeconds * 1000 - Date.now()),
  done: notSupported('done'),
  fail: notSupported('fail'),
  succeed: notSupported('succeed'),
});

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const isHandler = (value: unknown): value is Handler => typeof value === 'function';

export interface InProcessFunction {
  name: string;
  /** Module path without extension, e.g. `<repo>/lambdas/validate-file/handler`. */
  modulePath: string;
  timeoutSeconds: number;
  region: string;
}

/**
 * Imports a stage's handler module into this process; a module that fails to load (bad config) throws.
 * Call it only after the handler environment is set: handler modules parse their config when loaded.
 */
export const loadInProcessFunction = async (fn: InProcessFunction): Promise<FunctionInvoker> => {
  const loaded: unknown = await import(fn.modulePath);
  const handler = (loaded as { handler?: unknown }).handler;
  if (!isHandler(handler)) throw new Error(`${fn.modulePath} does not export a handler function`);
  return {
    name: fn.name,
    invoke: async (event) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new FunctionTimeoutError(fn.name, fn.timeoutSeconds)),
          fn.timeoutSeconds * 1000,
        );
      });
      try {
        return await Promise.race([
          handler(event, lambdaContext(fn.name, fn.timeoutSeconds, fn.region)),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
};
