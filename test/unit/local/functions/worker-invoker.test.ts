import { join } from 'node:path';
import { FunctionTimeoutError } from '../../../../local/functions/invoker';
import {
  FunctionLoadError,
  startWorkerFunction,
  type WorkerFunction,
  type WorkerFunctionOptions,
} from '../../../../local/functions/worker-invoker';
import type { Log } from '../../../../local/log';

const FIXTURES = join(__dirname, '..', 'fixtures');
// Each environment is a real worker thread that loads TypeScript sources: a cold start takes a second or two.
jest.setTimeout(20_000);
const quietLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

const options = (overrides: Partial<WorkerFunctionOptions> = {}): WorkerFunctionOptions => ({
  name: 'fixture',
  modulePath: join(FIXTURES, 'worker-handler'),
  timeoutSeconds: 20,
  region: 'us-east-1',
  instances: 2,
  maxOldSpaceMb: 64,
  log: quietLog,
  // Jest does not run under tsx: the environments load the TypeScript sources through it themselves.
  execArgv: ['--import', 'tsx'],
  ...overrides,
});

const start = async (overrides: Partial<WorkerFunctionOptions> = {}): Promise<WorkerFunction> => {
  const fn = await startWorkerFunction(options(overrides));
  if (!fn) throw new Error('the fixture handler was not found');
  return fn;
};

describe('startWorkerFunction', () => {
  let fn: WorkerFunction;
  beforeAll(async () => {
    fn = await start();
  });
  afterAll(async () => {
    await fn.stop();
  });

  it('runs the handler in another thread and answers its value', async () => {
    // Act
    const answer = (await fn.invoke({ action: 'echo', n: 1 })) as { echoed: unknown; threadId: number };

    // Assess
    expect(answer.echoed).toEqual({ action: 'echo', n: 1 });
    expect(answer.threadId).toBeGreaterThan(0);
  });

  it("rejects with the handler's own error name and message", async () => {
    // Act / Assess
    await expect(fn.invoke({ action: 'throw' })).rejects.toMatchObject({
      name: 'PurposeError',
      message: 'the handler failed on purpose',
    });
  });

  it('runs up to `instances` invocations at once, each in an environment of its own', async () => {
    // Act
    const answers = (await Promise.all([
      fn.invoke({ action: 'sleep', ms: 300 }),
      fn.invoke({ action: 'sleep', ms: 300 }),
      fn.invoke({ action: 'sleep', ms: 300 }),
    ])) as { threadId: number }[];

    // Assess: three invocations, two environments.
    expect(new Set(answers.map((answer) => answer.threadId)).size).toBe(2);
    expect(fn.stats()).toMatchObject({ coldStarts: 2, maxOldSpaceMb: 64 });
  });
});

describe('a worker function that fails', () => {
  it('times an invocation out and starts a fresh environment for the next one', async () => {
    // Prepare
    const fn = await start({ timeoutSeconds: 1, instances: 1 });

    try {
      // Act
      const late = fn.invoke({ action: 'sleep', ms: 5000 });

      // Assess
      await expect(late).rejects.toBeInstanceOf(FunctionTimeoutError);
      await expect(fn.invoke({ action: 'echo' })).resolves.toMatchObject({ echoed: { action: 'echo' } });
      expect(fn.stats()).toMatchObject({ timeouts: 1, coldStarts: 2, invocations: 2 });
    } finally {
      await fn.stop();
    }
  });

  it('counts an environment that ran out of its capped heap as a crash, then goes on', async () => {
    // Prepare
    const fn = await start({ maxOldSpaceMb: 32, instances: 1 });

    try {
      // Act
      const crashed = fn.invoke({ action: 'oom' });

      // Assess
      await expect(crashed).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
      await expect(fn.invoke({ action: 'echo' })).resolves.toBeDefined();
      expect(fn.stats()).toMatchObject({ crashes: 1, invocations: 2 });
      expect(fn.stats().heapLimitMb).toBeGreaterThan(32);
    } finally {
      await fn.stop();
    }
  });

  it('throws FunctionLoadError when the handler module cannot load', async () => {
    // Act / Assess
    await expect(
      startWorkerFunction(options({ modulePath: join(FIXTURES, 'broken-handler') })),
    ).rejects.toThrow(FunctionLoadError);
  });

  it("fails to start, naming the module, when a stage's handler does not exist", async () => {
    // Act / Assess
    await expect(
      startWorkerFunction(options({ modulePath: join(FIXTURES, 'no-such-handler') })),
    ).rejects.toThrow(/no-such-handler/);
  });
});
