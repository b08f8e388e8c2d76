import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ErrorType } from '../../../lambdas/shared/model';
import { findTemplate, validateRow } from '../../../lambdas/shared/templates';
import { generateChaosFile, planKills, rowNumberAt, seededRandom } from '../../../scripts/chaos-data';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaos-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const USERS_COLUMNS = ['email', 'first_name', 'last_name', 'role', 'phone', 'department', 'start_date'];

/** What the users template itself says of each row: its error types, or none; duplicates by first key seen. */
const judgeWithTemplate = (text: string): string[][] => {
  const template = findTemplate('users');
  if (!template) throw new Error('users template missing');
  const records: string[][] = parse(text, { relax_column_count: true });
  const firstRowOfKey = new Set<string>();
  return records.slice(1).map((cells) => {
    if (cells.length !== USERS_COLUMNS.length) return [ErrorType.COLUMN_COUNT];
    const key = (cells[0] ?? '').trim().toLowerCase();
    const seen = firstRowOfKey.has(key);
    firstRowOfKey.add(key);
    const values = Object.fromEntries(
      USERS_COLUMNS.map((column, index) => [column, cells[index]?.trim() || undefined]),
    );
    const outcome = validateRow(template, values);
    const types: string[] = outcome.ok ? [] : outcome.problems.map((problem) => problem.errorType);
    if (seen) types.push(ErrorType.DUPLICATE_IN_FILE);
    return types;
  });
};

describe('generateChaosFile', () => {
  it('writes the same bytes and expectations for the same spec, and others for another seed', async () => {
    // Prepare
    const spec = { rows: 3_000, seed: 11, invalidEvery: 10, tag: 'same' };

    // Act
    const first = await generateChaosFile(join(dir, 'a.csv'), spec);
    const second = await generateChaosFile(join(dir, 'b.csv'), spec);
    const other = await generateChaosFile(join(dir, 'c.csv'), { ...spec, seed: 12 });

    // Assess
    expect(await readFile(first.path, 'utf8')).toBe(await readFile(second.path, 'utf8'));
    expect(second.expected).toEqual(first.expected);
    expect(await readFile(other.path, 'utf8')).not.toBe(await readFile(first.path, 'utf8'));
  });

  it('expects for every row exactly what the users template reports for it', async () => {
    // Prepare
    const file = await generateChaosFile(join(dir, 'judged.csv'), {
      rows: 5_000,
      seed: 3,
      invalidEvery: 8,
      tag: 'judged',
    });
    const text = await readFile(file.path, 'utf8');

    // Act
    const judged = judgeWithTemplate(text);

    // Assess
    expect(judged).toHaveLength(file.rows);
    file.expected.forEach((expectation, index) => {
      const wanted = expectation.kind === 'invalid' ? [expectation.errorType] : [];
      expect({ row: rowNumberAt(index), types: judged[index] }).toEqual({
        row: rowNumberAt(index),
        types: wanted,
      });
    });
    const kinds = new Set(file.expected.map((row) => (row.kind === 'invalid' ? row.errorType : 'valid')));
    expect([...kinds].sort()).toEqual(
      [
        'COLUMN_COUNT',
        'DUPLICATE_IN_FILE',
        'INVALID_FORMAT',
        'INVALID_VALUE',
        'REQUIRED',
        'TOO_LONG',
        'valid',
      ].sort(),
    );
    expect(file.validRows + file.invalidRows).toBe(5_000);
    expect(text).toContain('"Support\nTier 2"');
  });

  it('uses each shared key once, in order, on valid rows marked shared', async () => {
    // Prepare
    const sharedKeys = ['shared.0@race.example', 'shared.1@race.example', 'shared.2@race.example'];

    // Act
    const file = await generateChaosFile(join(dir, 'shared.csv'), {
      rows: 500,
      seed: 5,
      invalidEvery: 20,
      tag: 'sharing',
      sharedKeys,
      sharedShare: 0.5,
    });

    // Assess
    const used = file.expected.flatMap((row) => (row.kind === 'valid' && row.shared ? [row.key] : []));
    expect(used).toEqual(sharedKeys);
  });
});

describe('planKills', () => {
  it('puts one kill in upload, validate and finalize and the rest in processing at rising shares', () => {
    // Act
    const plan = planKills(seededRandom(99), 10);

    // Assess
    expect(plan.map((kill) => kill.phase)).toEqual([
      'upload',
      'validate',
      ...Array.from({ length: 7 }, () => 'process'),
      'finalize',
    ]);
    const shares = plan.filter((kill) => kill.phase === 'process').map((kill) => kill.at);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    for (const share of shares) {
      expect(share).toBeGreaterThanOrEqual(0.03);
      expect(share).toBeLessThanOrEqual(0.97);
    }
  });

  it('repeats itself for a seed and changes with it', () => {
    // Act / Assess
    expect(planKills(seededRandom(4), 10)).toEqual(planKills(seededRandom(4), 10));
    expect(planKills(seededRandom(4), 10)).not.toEqual(planKills(seededRandom(5), 10));
  });

  it('plans only the kills asked for', () => {
    // Act / Assess
    expect(planKills(seededRandom(1), 0)).toEqual([]);
    expect(planKills(seededRandom(1), 2).map((kill) => kill.phase)).toEqual(['upload', 'validate']);
  });
});
