import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../../local/journals/data-dir-lock';

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

  it('gives the dir to exactly one of two stacks starting at the same moment', async () => {
    // Act: two live processes (this one and its parent) ask at once, again and again.
    for (let round = 0; round < 20; round += 1) {
      const results = await Promise.allSettled([
        lockDataDir(dir, 3000, process.pid),
        lockDataDir(dir, 4000, process.ppid),
      ]);

      // Assess
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
      await rm(join(dir, LOCK_FILE));
    }
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
