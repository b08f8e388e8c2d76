import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Log } from '../log';
import { type FunctionInvoker, FunctionTimeoutError } from './invoker';
import {
  type FunctionWorkerData,
  type SerializedError,
  type WorkerMessage,
  workerMessageSchema,
} from './worker-protocol';

/**
 * Runs a function in worker threads, the way Lambda runs it in environments: each environment loads the
 * handler once and runs one invocation at a time, with its own heap capped like `node
 * --max-old-space-size`; up to `instances` environments run at once, started on demand (the first one at
 * once, so a handler that cannot load stops the stack at start). A timed-out environment is thrown away,
 * and so is one that crashed (out of memory): the next invocation starts a fresh one.
 */

export interface WorkerFunctionOptions {
  name: string;
  /** Module path without extension, e.g. `<repo>/lambdas/validate-file/handler`. */
  modulePath: string;
  timeoutSeconds: number;
  region: string;
  /** Environments that may run at once (the consuming poller's concurrency). */
  instances: number;
  /** Old-generation heap cap of each environment, in MB. */
  maxOldSpaceMb: number;
  log: Log;
  /**
   * Node options of the environments; by default this process's own, which carry tsx's loader when the
   * stack runs under tsx (tests that run elsewhere pass `['--import', 'tsx']`).
   */
  execArgv?: string[];
}

export interface FunctionStats {
  name: string;
  invocations: number;
  /** Invocations whose handler threw. */
  errors: number;
  timeouts: number;
  /** Environments that died under an invocation (out of memory, uncaught error). */
  crashes: number;
  /** Environments started: cold starts. */
  coldStarts: number;
  /** Largest heap any environment used, sampled while handlers ran. */
  peakHeapMb: number;
  maxOldSpaceMb: number;
  /** V8's whole-heap limit that the old-space cap gives (what `node --max-old-space-size` gives too). */
  heapLimitMb: number;
}

export interface WorkerFunction extends FunctionInvoker {
  stats(): FunctionStats;
  /** Ends every environment; call once nothing invokes the function any more. */
  stop(): Promise<void>;
}

interface Pending {
  id: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Environment {
  worker: Worker;
  /** Taken by an invocation: set the moment it is handed out, before the invocation is posted. */
  busy: boolean;
  pending?: Pending;
  /** Set once the environment is thrown away; its late messages are ignored. */
  gone: boolean;
}

export class FunctionLoadError extends Error {
  constructor(name: string, cause: SerializedError) {
    super(`${name} could not load: ${cause.name}: ${cause.message}`);
    this.name = 'FunctionLoadError';
  }
}

const revive = (serialized: SerializedError): Error => {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
};

const workerEntry = (): string => {
  const typescript = join(__dirname, 'function-worker.ts');
  return existsSync(typescript) ? typescript : join(__dirname, 'function-worker.js');
};

class WorkerPool implements WorkerFunction {
  readonly name: string;
  private readonly environments: Environment[] = [];
  private starting = 0;
  private readonly waiters: (() => void)[] = [];
  private nextId = 1;
  private readonly counters = { invocations: 0, errors: 0, timeouts: 0, crashes: 0, coldStarts: 0 };
  private peakHeapMb = 0;
  private heapLimitMb = 0;

  constructor(private readonly options: WorkerFunctionOptions) {
    this.name = options.name;
  }

  stats(): FunctionStats {
    return {
      name: this.name,
      ...this.counters,
      peakHeapMb: this.peakHeapMb,
      maxOldSpaceMb: this.options.maxOldSpaceMb,
      heapLimitMb: this.heapLimitMb,
    };
  }

  async invoke(event: unknown): Promise<unknown> {
    const environment = await this.acquire();
    this.counters.invocations += 1;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const { timeoutSeconds } = this.options;
      const timer = setTimeout(() => {
        this.counters.timeouts += 1;
        this.discard(environment, new FunctionTimeoutError(this.name, timeoutSeconds));
      }, timeoutSeconds * 1000);
      environment.pending = { id, resolve, reject, timer };
      environment.worker.postMessage({ id, event });
    });
  }

  async stop(): Promise<void> {
    const environments = this.environments.splice(0);
    for (const environment of environments) environment.gone = true;
    await Promise.all(environments.map((environment) => environment.worker.terminate()));
  }

  /** An idle environment, a new one while fewer than `instances` exist, or the next one to free up. */
  private async acquire(): Promise<Environment> {
    for (;;) {
      const idle = this.environments.find((environment) => !environment.busy && !environment.gone);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.environments.length + this.starting < this.options.instances) {
        this.starting += 1;
        try {
          const started = await this.startEnvironment();
          started.busy = true;
          return started;
        } finally {
          this.starting -= 1;
        }
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Starts one environment ahead of the first invocation, so a handler that cannot load shows at once. */
  async warm(): Promise<void> {
    const environment = await this.startEnvironment();
    environment.busy = false;
    this.waiters.shift()?.();
  }

  /** Starts an environment (busy: for its starter) and resolves once its handler has loaded. */
  private startEnvironment(): Promise<Environment> {
    const { name, modulePath, timeoutSeconds, region, maxOldSpaceMb, execArgv } = this.options;
    const workerData: FunctionWorkerData = { name, modulePath, timeoutSeconds, region };
    const worker = new Worker(workerEntry(), {
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: maxOldSpaceMb },
      ...(execArgv ? { execArgv } : {}),
    });
    this.counters.coldStarts += 1;
    // Busy until its starter takes it, so no other invocation slips in between.
    const environment: Environment = { worker, busy: true, gone: false };
    return new Promise((resolve, reject) => {
      let loaded = false;
      worker.on('message', (raw: unknown) => {
        const message = workerMessageSchema.safeParse(raw);
        if (!message.success) {
          this.options.log.error(`${name} sent an unreadable message`, message.error);
          return;
        }
        if (message.data.kind === 'ready') {
          loaded = true;
          this.heapLimitMb = message.data.heapLimitMb;
          this.environments.push(environment);
          resolve(environment);
        } else if (message.data.kind === 'load-failed') {
          environment.gone = true;
          void worker.terminate();
          reject(new FunctionLoadError(name, message.data.error));
        } else {
          this.settle(environment, message.data);
        }
      });
      worker.on('error', (error) => {
        if (!loaded) {
          environment.gone = true;
          reject(error);
          return;
        }
        if (environment.pending) this.counters.crashes += 1;
        this.options.log.error(`${name}: an environment crashed`, error);
        this.discard(environment, error);
      });
      worker.on('exit', (code) => {
        if (!loaded) {
          environment.gone = true;
          reject(new Error(`${name}'s environment exited with code ${code} while loading`));
          return;
        }
        this.discard(environment, new Error(`${name}'s environment exited with code ${code}`));
      });
    });
  }

  private settle(environment: Environment, result: Extract<WorkerMessage, { kind: 'result' }>): void {
    const pending = environment.pending;
    if (environment.gone || !pending || pending.id !== result.id) return;
    clearTimeout(pending.timer);
    environment.pending = undefined;
    environment.busy = false;
    this.peakHeapMb = Math.max(this.peakHeapMb, result.peakHeapMb);
    if (result.ok) {
      pending.resolve(result.value);
    } else {
      this.counters.errors += 1;
      pending.reject(revive(result.error ?? { name: 'Error', message: 'The handler failed' }));
    }
    this.waiters.shift()?.();
  }

  /** Throws an environment away, failing the invocation it was running with `reason`. */
  private discard(environment: Environment, reason: Error): void {
    if (environment.gone) return;
    environment.gone = true;
    const index = this.environments.indexOf(environment);
    if (index >= 0) this.environments.splice(index, 1);
    const pending = environment.pending;
    environment.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    void environment.worker.terminate();
    this.waiters.shift()?.();
  }
}

/**
 * Starts a function's first environment; a module that fails to load (bad config) throws FunctionLoadError.
 * Call it only after the handler environment is set: workers copy this process's environment.
 */
export const startWorkerFunction = async (options: WorkerFunctionOptions): Promise<WorkerFunction> => {
  const pool = new WorkerPool(options);
  await pool.warm();
  return pool;
};
