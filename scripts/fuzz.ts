import { join } from 'node:path';
import { readArgs } from './args';
import { fuzz, minimizeCorpus } from './fuzz/engine';
import { FUZZ_TARGETS } from './fuzz/targets';

/**
 * `npm run fuzz -- --minutes N [--target csv|mime] [--seed S]`: coverage-guided fuzzing of the CSV reader
 * and the MIME pre-check (scripts/fuzz/engine.ts), each for N minutes in turn. New inputs that reach new
 * code are added to `test/fuzz/corpus/<target>/`, which is then shrunk to the inputs that add coverage
 * (commit it); a finding's input is written to `.fuzz-findings/` and the run exits 1. `--minimize` only
 * shrinks the kept corpus.
 */

const { values } = readArgs(
  {
    options: {
      minutes: { type: 'string', default: '1' },
      target: { type: 'string' },
      seed: { type: 'string' },
      minimize: { type: 'boolean', default: false },
    },
  },
  'npm run fuzz -- --minutes N [--target csv|mime] [--seed S] [--minimize]',
);
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0)
  throw new Error(`--minutes must be a positive number, not ${values.minutes}`);
const targets = values.target ? [values.target] : Object.keys(FUZZ_TARGETS);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const root = join(__dirname, '..');

const main = async () => {
  let found = 0;
  for (const target of targets) {
    const corpusDir = join(root, 'test', 'fuzz', 'corpus', target);
    if (values.minimize) {
      const { before, kept } = await minimizeCorpus(target, corpusDir, (line) => console.log(line));
      console.log(`fuzz ${target}: corpus minimized from ${before} to ${kept} inputs`);
      continue;
    }
    console.log(`fuzz ${target}: ${minutes} min, seed ${seed}`);
    const summary = await fuzz({
      target,
      seed,
      seconds: minutes * 60,
      corpusDir,
      grow: true,
      findingsDir: join(root, '.fuzz-findings'),
      log: (line) => console.log(line),
    });
    found += summary.findings.length;
    console.log(
      `fuzz ${target}: runs=${summary.runs} time=${summary.seconds.toFixed(0)} s rate=${summary.runsPerSecond.toFixed(0)}/s ` +
        `corpus=${summary.corpus} (+${summary.added}) features=${summary.features} peak-heap=${summary.peakHeapMb.toFixed(0)} MB ` +
        `findings=${summary.findings.length}`,
    );
    const { before, kept } = await minimizeCorpus(target, corpusDir);
    console.log(`fuzz ${target}: corpus minimized from ${before} to ${kept} inputs`);
  }
  process.exitCode = found > 0 ? 1 : 0;
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
