import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzz, minimizeCorpus, mutate } from '../../../scripts/fuzz/engine';
import { FUZZ_TARGETS } from '../../../scripts/fuzz/targets';

/**
 * The short seeded fuzz run of `npm test` (the long ones are `npm run fuzz -- --minutes N`): every input of
 * the kept corpus, then 1,500 mutations of it, on each target, with no exception, hang or runaway memory.
 */

const ROOT = join(__dirname, '..', '..', '..');
let findingsDir: string;

beforeAll(() => {
  findingsDir = mkdtempSync(join(tmpdir(), 'fuzz-findings-'));
});
afterAll(() => rmSync(findingsDir, { recursive: true, force: true }));

describe('fuzzing, short seeded run', () => {
  it.each(Object.keys(FUZZ_TARGETS))(
    '%s: the corpus and 1,500 mutations of it run clean',
    async (target) => {
      // Prepare
      const corpusDir = join(ROOT, 'test', 'fuzz', 'corpus', target);
      const kept = readdirSync(corpusDir).length;

      // Act
      const summary = await fuzz({
        target,
        seed: 1203,
        maxRuns: kept + 1500,
        corpusDir,
        grow: false,
        findingsDir,
      });

      // Assess
      expect(summary.findings).toEqual([]);
      expect(summary.runs).toBe(kept + 1500);
      // Coverage guidance works: the run reached code, and mutations found inputs that reach more.
      expect(summary.features).toBeGreaterThan(100);
      expect(summary.added).toBeGreaterThan(0);
    },
    120_000,
  );

  it('minimizes a corpus to the inputs that add coverage, keeping the hand-written seeds', async () => {
    // Prepare: a seed, a copy of another input under two names, and a larger input reaching nothing new.
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-corpus-'));
    const csv = 'email,name\r\n"a,b",c\r\n';
    writeFileSync(join(dir, 'seed-one.csv'), 'email\nx@example.com\n');
    writeFileSync(join(dir, 'copy-a'), csv);
    writeFileSync(join(dir, 'copy-b'), csv);

    // Act
    const { before, kept } = await minimizeCorpus('csv', dir);

    // Assess
    expect(before).toBe(3);
    expect(kept).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['copy-a', 'seed-one.csv']);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('mutates the same way for the same seed, within the size cap', () => {
    const seeded = (seed: number) => {
      let state = seed;
      return () => {
        state = (state * 16807) % 2147483647;
        return state / 2147483647;
      };
    };
    const parent = Buffer.from('email,name\r\nann@example.com,Ann\r\n');
    const run = (seed: number) =>
      Array.from(
        { length: 50 },
        (
          (rng) => () =>
            mutate(parent, rng, [Buffer.from('""')], [parent], 256)
        )(seeded(seed)),
      );
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(first.every((input) => input.length <= 256)).toBe(true);
    expect(new Set(first.map((input) => input.toString('hex'))).size).toBeGreaterThan(40);
  });
});
