import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { peakRssMb } from '../functions/process-memory';
import { type ChildMessage, childMessageSchema, STOP_MESSAGE } from './dynamodb-child';

/**
 * Runs the DynamoDB emulator in a child process. In one process with the handlers, dynalite's LevelDB and
 * JSON work and the handlers' parsing took turns on one core; apart, the store gets a core of its own.
 */

export interface DynamoProcess {
  endpoint: string;
  pid: number;
  /** Peak resident memory of the emulator process so far, in MB (undefined where /proc is absent). */
  peakRssMb(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

const firstMessage = (child: ChildProcess): Promise<ChildMessage> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The DynamoDB emulator did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      const parsed = childMessageSchema.safeParse(message);
      if (parsed.success) resolve(parsed.data);
      else reject(new Error(`The DynamoDB emulator sent ${JSON.stringify(message)}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The DynamoDB emulator exited during start (${signal ?? `code ${code}`})`));
    });
  });

/** Starts the emulator on `port` with its LevelDB in `path`; resolves once it listens. */
export const startDynamoProcess = async (path: string, port: number): Promise<DynamoProcess> => {
  // The child inherits this process's exec arguments (tsx's loader), so it runs the TypeScript source.
  const child = fork(join(__dirname, 'dynamodb-child'), [path, String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('Could not start the DynamoDB emulator process');
  const exited = once(child, 'exit');
  const started = await firstMessage(child).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (started.kind === 'failed') {
    await exited;
    throw new Error(`The DynamoDB emulator could not start: ${started.message}`);
  }
  return {
    endpoint: `http://127.0.0.1:${started.port}`,
    pid,
    peakRssMb: () => peakRssMb(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      try {
        child.send(STOP_MESSAGE);
      } catch {
        // The channel closed as the child exited on its own: the exit is all there is to wait for.
      }
      await exited;
      clearTimeout(timer);
    },
  };
};
