import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/**
 * Takes the data dir for this process, or throws DataDirInUseError when a live stack holds it. The lock is
 * written whole to a file of this process and linked into place, which fails if a lock exists: of two stacks
 * starting at once exactly one gets it, and nobody ever reads a half-written lock. A lock whose holder is dead
 * is replaced by a rename and read back, so of two stacks taking over the same dead lock only one keeps it.
 */
export const lockDataDir = async (dir: string, port: number, pid = process.pid): Promise<DataDirLock> => {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine = `${path}.${pid}`;
  await writeFile(mine, JSON.stringify({ pid, port, startedAt: new Date().toISOString() }));
  const lock: DataDirLock = {
    release: async () => {
      const current = await readLock(path);
      if (current?.pid === pid) await rm(path, { force: true });
    },
  };
  try {
    try {
      await link(mine, path);
      return lock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLock(path);
    if (holder && holder.pid !== pid && isAlive(holder.pid))
      throw new DataDirInUseError(dir, holder.pid, holder.port);
    await rename(mine, path);
    const kept = await readLock(path);
    if (kept?.pid !== pid) throw new DataDirInUseError(dir, kept?.pid ?? 0, kept?.port ?? 0);
    return lock;
  } finally {
    await rm(mine, { force: true });
  }
};
