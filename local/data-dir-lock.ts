import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * One stack per data dir: two stacks on one dir would share fauxqs's SQLite and fight over dynalite's
 * LevelDB (which fails later with an obscure "Database is closed"). A lock file naming the owner turns
 * that into a clear message at start. A lock left by a killed stack names a dead process and is taken over.
 */

export const LOCK_FILE = 'stack.lock';

const lockSchema = z.object({ pid: z.number().int(), port: z.number().int(), startedAt: z.string() });

export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number, port: number) {
    super(
      `The data dir ${dir} is in use by the stack with pid ${pid} (port ${port}): stop it or choose another IMPORTS_DATA_DIR`,
    );
    this.name = 'DataDirInUseError';
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readLock = async (path: string): Promise<z.infer<typeof lockSchema> | undefined> => {
  try {
    const parsed = lockSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
    throw error;
  }
};

export interface DataDirLock {
  release(): Promise<void>;
}

/** Takes the data dir for this process, or throws DataDirInUseError when a live stack holds it. */
export const lockDataDir = async (dir: string, port: number, pid = process.pid): Promise<DataDirLock> => {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const holder = await readLock(path);
  if (holder && holder.pid !== pid && isAlive(holder.pid))
    throw new DataDirInUseError(dir, holder.pid, holder.port);
  await writeFile(path, JSON.stringify({ pid, port, startedAt: new Date().toISOString() }));
  return {
    release: async () => {
      const current = await readLock(path);
      if (current?.pid === pid) await rm(path, { force: true });
    },
  };
};
