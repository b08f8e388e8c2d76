import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { mulberry32 } from './prng';

/**
 * The benchmark's input: a deterministic `users` CSV of a given size (the same seed and size always give
 * the same bytes), about 100 bytes a row, so 200 MB is about 2 million rows. Some rows carry quoted
 * values with commas, line breaks and doubled quotes; a few percent are invalid, each in exactly one way,
 * so the import's expected counts are known without reading the file back.
 */

export const USERS_HEADER = 'email,first_name,last_name,role,phone,department,start_date';

export interface BenchFileSpec {
  /** The file stops before the row that would take it past this many bytes. */
  maxBytes: number;
  seed: number;
  /** One row in this many is invalid (on average). */
  invalidEvery: number;
  /**
   * `export`: the same rows as another system writes them, headers of its own (read through
   * `EXPORT_MAPPING`) and start dates day first (`18.03.2024`), for the cost of mapping and date detection.
   */
  dialect?: 'template' | 'export';
}

/** The export dialect's header, and the mapping that reads it into the users template. */
export const EXPORT_HEADER =
  'Email Address [Required],First Name,Last Name,Access Level,Phone Number,Team,Hire Date';
export const EXPORT_MAPPING = {
  email: { source: 'Email Address [Required]' },
  first_name: { source: 'First Name' },
  last_name: { source: 'Last Name' },
  role: { source: 'Access Level' },
  phone: { source: 'Phone Number' },
  department: { source: 'Team' },
  start_date: { source: 'Hire Date' },
};

export interface BenchFile {
  path: string;
  bytes: number;
  rows: number;
  /** Rows the import must report as failed: one problem each. */
  invalidRows: number;
  /** Rows with a quoted value (commas, line breaks, quotes inside). */
  quotedRows: number;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Kenneth', 'Radia', 'Linus'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];
const DOMAINS = ['northwind-traders.example', 'contoso-research.example', 'fabrikam-labs.example'];
const ROLES = ['member', 'member', 'member', 'manager', 'admin', 'Member', 'MANAGER'];
const PLAIN_DEPARTMENTS = ['Engineering', 'Sales', 'Finance', 'Customer Success', 'Operations', ''];
/** Quoted values as a spreadsheet writes them: a comma, a line break, doubled quotes. */
const QUOTED_DEPARTMENTS = ['"Research, Europe"', '"Support\nTier 2"', '"The ""Skunk Works"" team"'];

export const generateBenchFile = async (path: string, spec: BenchFileSpec): Promise<BenchFile> => {
  const random = mulberry32(spec.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const twoDigits = (value: number) => String(value).padStart(2, '0');

  let lastValidEmail = '';
  const validRow = (n: number): { line: string; quoted: boolean } => {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${first.toLowerCase()}.${last.toLowerCase()}.${n}@${pick(DOMAINS)}`;
    lastValidEmail = email;
    const phone =
      random() < 0.7
        ? `+1 (555) ${String(n % 1000).padStart(3, '0')}-${String(n % 10000).padStart(4, '0')}`
        : '';
    const quoted = random() < 0.05;
    const department = quoted ? pick(QUOTED_DEPARTMENTS) : pick(PLAIN_DEPARTMENTS);
    // Drawn in the same order as ever, so a seed gives the same file it always did.
    const date =
      random() < 0.6
        ? {
            year: 10 + Math.floor(random() * 15),
            month: 1 + Math.floor(random() * 12),
            day: 1 + Math.floor(random() * 28),
          }
        : undefined;
    const start = !date
      ? ''
      : spec.dialect === 'export'
        ? `${twoDigits(date.day)}.${twoDigits(date.month)}.20${date.year}`
        : `20${date.year}-${twoDigits(date.month)}-${twoDigits(date.day)}`;
    return { line: `${email},${first},${last},${pick(ROLES)},${phone},${department},${start}`, quoted };
  };
  /** Each breaks exactly one rule, so each is one failed row. */
  const invalidRows: ((n: number) => string)[] = [
    (n) => `user.${n}@example,Ada,Lovelace,member,,,`,
    (n) => `user.${n}@example.com,,Lovelace,member,,,`,
    (n) => `user.${n}@example.com,Ada,Lovelace,owner,,,`,
    (n) => `user.${n}@example.com,Ada,Lovelace,member,555-12,,`,
    (n) => `user.${n}@example.com,Ada,Lovelace,member,,,2023-02-30`,
    (n) => `user.${n}@example.com,Ada,Lovelace,member`,
    (n) => `user.${n}@example.com,Ada,${'L'.repeat(101)},member,,,`,
    // The key of an earlier valid row, in other case: a duplicate in the file.
    () => `${lastValidEmail.toUpperCase()},Dup,Licate,member,,,`,
  ];

  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const header = `${spec.dialect === 'export' ? EXPORT_HEADER : USERS_HEADER}\r\n`;
  out.write(header);
  let bytes = Buffer.byteLength(header);
  let rows = 0;
  let invalid = 0;
  let quotedRows = 0;
  let pending = '';
  for (let n = 1; ; n += 1) {
    const broken = n > 1 && random() < 1 / spec.invalidEvery;
    const row = broken ? { line: pick(invalidRows)(n), quoted: false } : validRow(n);
    const line = `${row.line}\r\n`;
    const length = Buffer.byteLength(line);
    if (bytes + length > spec.maxBytes) break;
    bytes += length;
    rows += 1;
    if (broken) invalid += 1;
    if (row.quoted) quotedRows += 1;
    pending += line;
    if (pending.length >= 1 << 20) {
      if (!out.write(pending)) await once(out, 'drain');
      pending = '';
    }
  }
  out.end(pending);
  await once(out, 'finish');
  await rename(partial, path);
  const written = (await stat(path)).size;
  if (written !== bytes) throw new Error(`Wrote ${written} bytes to ${path}, expected ${bytes}`);
  return { path, bytes, rows, invalidRows: invalid, quotedRows };
};
