import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/**
 * Builds the console (`frontend/dist`) when it is missing or older than any of its sources, so that
 * `npm start` and the browser tests never serve a stale console and skip the build when nothing changed.
 */

const FRONTEND = resolve(__dirname, '..');
const BUILT_INDEX = join(FRONTEND, 'dist', 'index.html');
const SOURCES = ['index.html', 'vite.config.mts', 'src', 'public', join('..', 'package-lock.json')];

const newestChange = async (path: string): Promise<number> => {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
};

/** True when there is no build or a source changed after it was made. */
export const consoleBuildIsStale = async (): Promise<boolean> => {
  let builtAt: number;
  try {
    builtAt = (await stat(BUILT_INDEX)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const changed = await Promise.all(SOURCES.map((source) => newestChange(join(FRONTEND, source))));
  return Math.max(...changed) > builtAt;
};

const buildConsole = (): Promise<void> =>
  new Promise((done, fail) => {
    const child = spawn('npx', ['vite', 'build', FRONTEND, '--logLevel', 'warn'], {
      stdio: 'inherit',
      // Under jest NODE_ENV is "test", which would make Vite bundle React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0 ? done() : fail(new Error(`vite build failed (${signal ?? `exit code ${code}`})`)),
    );
  });

/** Builds the console if it is stale; returns whether it built. */
export const ensureConsoleBuild = async (): Promise<boolean> => {
  if (!(await consoleBuildIsStale())) return false;
  await buildConsole();
  return true;
};

if (require.main === module) {
  ensureConsoleBuild().then(
    (built) => console.log(built ? 'Console built (frontend/dist).' : 'Console build is up to date.'),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
