import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { ErrorType } from '../lambdas/shared/model';
import { USERS_HEADER } from './bench-data';

/**
 * The chaos run's input files: deterministic `users` CSVs (the same spec always gives the same bytes) whose
 * every row's outcome is known in advance, so an import's counts, row errors and committed records can be
 * checked exactly rather than only totalled. Invalid rows break exactly one rule each; a known share repeats
 * an earlier row's key in another case (DUPLICATE_IN_FILE, often in another chunk); some valid rows carry
 * quoted commas, line breaks and doubled quotes; and rows may take their key from a pool shared with other
 * files, so concurrent imports race on real keys.
 */

export interface ChaosFileSpec {
  rows: number;
  seed: number;
  /** One row in this many is invalid, on average (duplicates included). */
  invalidEvery: number;
  /** Makes the file's own keys unique to it (`{tag}.{row}@…`). */
  tag: string;
  /** Keys also used by other files: rows take them, in order, with probability `sharedShare`. */
  sharedKeys?: readonly string[];
  sharedShare?: number;
}

/** What a row must end as: imported, or failed with exactly this one error type. */
export type RowExpectation =
  | { kind: 'valid'; key: string; shared: boolean }
  | { kind: 'invalid'; errorType: ErrorType };

export interface ChaosFile {
  path: string;
  bytes: number;
  rows: number;
  /** Index i is spreadsheet row i + 2 (the header is row 1). */
  expected: RowExpectation[];
  validRows: number;
  invalidRows: number;
}

/** Spreadsheet row number of the row at `index` in `expected`. */
export const rowNumberAt = (index: number): number => index + 2;

/** xorshift128+ reduced to 32-bit output: deterministic, seeded, fast enough for millions of rows. */
export const seededRandom = (seed: number): (() => number) => {
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = (Math.imul(seed, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0 || 2;
  const next = (): number => {
    let s1 = a;
    const s0 = b;
    a = s0;
    s1 ^= s1 << 23;
    s1 ^= s1 >>> 17;
    s1 ^= s0;
    s1 ^= s0 >>> 26;
    b = s1 >>> 0;
    return ((a + b) >>> 0) / 4294967296;
  };
  for (let warm = 0; warm < 16; warm += 1) next();
  return next;
};

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Kenneth', 'Radia'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'];
const ROLES = ['member', 'member', 'manager', 'admin', 'Member', 'MANAGER'];
const DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'Operations', ''];
const QUOTED_DEPARTMENTS = ['"Research, Europe"', '"Support\nTier 2"', '"The ""Skunk Works"" team"'];

/** Each breaks exactly one rule of the users template, and says which error type that is. */
const INVALID_ROWS: readonly { errorType: ErrorType; line: (key: string) => string }[] = [
  {
    errorType: ErrorType.INVALID_FORMAT,
    line: (key) => `${key.replace(/\.example$/, '')},Ada,Lovelace,member,,,`,
  },
  { errorType: ErrorType.REQUIRED, line: (key) => `${key},,Lovelace,member,,,` },
  { errorType: ErrorType.INVALID_VALUE, line: (key) => `${key},Ada,Lovelace,owner,,,` },
  { errorType: ErrorType.INVALID_FORMAT, line: (key) => `${key},Ada,Lovelace,member,555-12,,` },
  { errorType: ErrorType.INVALID_VALUE, line: (key) => `${key},Ada,Lovelace,member,,,2023-02-30` },
  { errorType: ErrorType.COLUMN_COUNT, line: (key) => `${key},Ada,Lovelace,member` },
  { errorType: ErrorType.TOO_LONG, line: (key) => `${key},Ada,${'L'.repeat(101)},member,,,` },
];

/** Writes the file and returns every row's expected outcome. */
export const generateChaosFile = async (path: string, spec: ChaosFileSpec): Promise<ChaosFile> => {
  const random = seededRandom(spec.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const shared = spec.sharedKeys ?? [];
  const sharedShare = spec.sharedShare ?? 0;
  let nextShared = 0;

  const expected: RowExpectation[] = [];
  /** Keys of earlier valid rows, for duplicates. */
  const validKeys: string[] = [];
  let validRows = 0;
  let bytes = 0;

  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  let pending = `${USERS_HEADER}\r\n`;
  for (let index = 0; index < spec.rows; index += 1) {
    const n = rowNumberAt(index);
    let line: string;
    if (validKeys.length > 0 && random() < 1 / spec.invalidEvery) {
      // One in eight invalid rows repeats an earlier key, in upper case: the first occurrence wins.
      if (random() < 1 / 8) {
        line = `${pick(validKeys).toUpperCase()},Dup,Licate,member,,,`;
        expected.push({ kind: 'invalid', errorType: ErrorType.DUPLICATE_IN_FILE });
      } else {
        const broken = pick(INVALID_ROWS);
        line = broken.line(`${spec.tag}.bad.${n}@chaos.example`);
        expected.push({ kind: 'invalid', errorType: broken.errorType });
      }
    } else {
      const isShared = nextShared < shared.length && random() < sharedShare;
      const first = pick(FIRST);
      const last = pick(LAST);
      const key = isShared
        ? (shared[nextShared++] as string)
        : `${first.toLowerCase()}.${last.toLowerCase()}.${spec.tag}.${n}@chaos.example`;
      const phone =
        random() < 0.6
          ? `+1 (555) ${String(n % 1000).padStart(3, '0')}-${String(n % 10000).padStart(4, '0')}`
          : '';
      const department = random() < 0.05 ? pick(QUOTED_DEPARTMENTS) : pick(DEPARTMENTS);
      const start =
        random() < 0.5
          ? `20${10 + Math.floor(random() * 15)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`
          : '';
      line = `${key},${first},${last},${pick(ROLES)},${phone},${department},${start}`;
      validKeys.push(key);
      validRows += 1;
      expected.push({ kind: 'valid', key, shared: isShared });
    }
    pending += `${line}\r\n`;
    if (pending.length >= 1 << 20) {
      bytes += Buffer.byteLength(pending);
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  bytes += Buffer.byteLength(pending);
  out.end(pending);
  await once(out, 'finish');
  await rename(partial, path);
  return { path, bytes, rows: spec.rows, expected, validRows, invalidRows: spec.rows - validRows };
};

/** Where a kill lands: during the upload, validation, row processing or finalization of the import. */
export type KillPhase = 'upload' | 'validate' | 'process' | 'finalize';

export interface PlannedKill {
  phase: KillPhase;
  /** upload/validate/finalize: ms after the phase is seen to start; process: share of rows counted. */
  at: number;
}

/**
 * The kills of one run, in the order they happen: one in each of upload, validate and finalize (at a random
 * delay into the phase) and the rest during processing, at random shares of the rows counted.
 */
export const planKills = (random: () => number, kills: number): PlannedKill[] => {
  const spread: PlannedKill[] = [
    { phase: 'upload', at: Math.round(random() * 900) },
    { phase: 'validate', at: Math.round(random() * 400) },
    { phase: 'finalize', at: Math.round(random() * 250) },
  ].slice(0, kills) as PlannedKill[];
  const processing = Array.from({ length: Math.max(0, kills - spread.length) }, () => 0.03 + random() * 0.94)
    .sort((a, b) => a - b)
    .map((share): PlannedKill => ({ phase: 'process', at: Math.round(share * 1000) / 1000 }));
  const order: KillPhase[] = ['upload', 'validate', 'process', 'finalize'];
  return [...spread, ...processing].sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase));
};
