/**
 * Writes a `users` CSV for demos and measurements:
 *   npx tsx scripts/generate-users-csv.ts <out.csv> <rows> [--invalid-every N] [--seed S]
 * Every Nth row (default 50) is invalid in one of several ways; some valid rows carry quoted fields with
 * commas and newlines. Without `--seed` each run makes new people (a random seed, printed, is part of every
 * address), so a second file imports as well as the first instead of meeting ALREADY_EXISTS; the same
 * arguments with a seed always give the same bytes.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { z } from 'zod';
import { parseOptions, readArgs } from './args';
import { mulberry32 } from './prng';

const { values: flags, positionals } = readArgs(
  {
    allowPositionals: true,
    options: { 'invalid-every': { type: 'string' }, seed: { type: 'string' } },
  },
  'npx tsx scripts/generate-users-csv.ts <out.csv> <rows> [--invalid-every N] [--seed S]',
);

const args = parseOptions(
  z.object({
    out: z.string().min(1),
    rows: z.coerce.number().int().positive(),
    invalidEvery: z.coerce.number().int().positive().default(50),
    seed: z.coerce
      .number()
      .int()
      .nonnegative()
      .default(() => Math.floor(Math.random() * 2 ** 31)),
  }),
  {
    out: positionals[0],
    rows: positionals[1],
    invalidEvery: flags['invalid-every'],
    seed: flags.seed,
  },
  'npx tsx scripts/generate-users-csv.ts <out.csv> <rows> [--invalid-every N] [--seed S]',
);

const random = mulberry32(args.seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];
const ROLES = ['admin', 'manager', 'member', 'Member', 'MANAGER'];
const DEPARTMENTS = ['Engineering', 'Sales', '"Research, Europe"', '"Support\nTier 2"', 'Finance', ''];
const BROKEN = [
  (n: number) => `${address(n, 'example')},First,Last,member,,,`,
  (n: number) => `${address(n)},,Last,member,,,`,
  (n: number) => `${address(n)},First,Last,owner,,,`,
  (n: number) => `${address(n)},First,Last,member,555-12,,`,
  (n: number) => `${address(n)},First,Last,member,,,2023-02-30`,
  (n: number) => `${address(n)},First,Last,member`,
  (n: number) => `${address(Math.max(1, n - 7))},Dup,Licate,member,,,`,
];

/** Part of every address, so files made with different seeds hold different people. */
const batch = args.seed.toString(36);
const address = (n: number, domain = 'example.com') => `user${n}.${batch}@${domain}`;

const row = (n: number): string => {
  if (n % args.invalidEvery === 0) return pick(BROKEN)(n);
  const phone =
    random() < 0.7
      ? `+1 (555) ${String(n % 1000).padStart(3, '0')}-${String(n % 10000).padStart(4, '0')}`
      : '';
  const start =
    random() < 0.5
      ? `20${String(10 + Math.floor(random() * 15))}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`
      : '';
  return `${address(n)},${pick(FIRST)},${pick(LAST)},${pick(ROLES)},${phone},${pick(DEPARTMENTS)},${start}`;
};

const main = async () => {
  const out = createWriteStream(args.out);
  out.write('email,first_name,last_name,role,phone,department,start_date\r\n');
  for (let n = 1; n <= args.rows; n += 1) {
    if (!out.write(`${row(n)}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  console.log(
    `Wrote ${args.rows} rows to ${args.out} (seed ${args.seed}: addresses user<n>.${batch}@example.com)`,
  );
};

void main();
