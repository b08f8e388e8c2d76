import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../local/data-dir-lock';

describe('data dir lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lock-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second stack while the first one lives, naming it', async () => {
    // Prepare: the test runner's parent process stands in for a live stack.
    await lockDataDir(dir, 3000, process.ppid);

    // Act
    const second = lockDataDir(dir, 4000);

    // Assess
    await expect(second).rejects.toThrow(DataDirInUseError);
    await expect(second).rejects.toThrow(`pid ${process.ppid} (port 3000)`);
  });

  it('takes over the lock of a stack that was killed', async () => {
    // Prepare: a pid far above any the kernel hands out.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 30, port: 3000, startedAt: 'then' }));

    // Act
    await lockDataDir(dir, 4000);

    // Assess
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      port: 4000,
    });
  });

  it('frees the dir on release', async () => {
    // Prepare
    const lock = await lockDataDir(dir, 3000);

    // Act
    await lock.release();

    // Assess
    await expect(lockDataDir(dir, 4000, process.ppid)).resolves.toBeDefined();
  });
});
