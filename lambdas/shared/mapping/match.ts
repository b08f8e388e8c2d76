import { distance } from 'fastest-levenshtein';
import { munkres } from 'munkres';
import type { ColumnMatching, TemplateDefinition } from '../templates/types';
import { DATE_ORDERS, type DateOrder, DateOrderReader, ordersOf } from './dates';

/**
 * Suggests which header of a file feeds each template column (DESIGN §9, `POST …/match`): by name after
 * normalisation, then by similarity, then by what the sample values look like; each header feeds at most
 * one column, and the assignment with the highest total confidence wins (the Hungarian algorithm), not
 * the first header that fits. A saved mapping for the same header wins with confidence 1.
 */

/** A column of the `Match` answer. */
export interface MatchedColumn {
  name: string;
  source: string | null;
  confidence: number;
  saved: boolean;
}

export interface DateFormatGuess {
  format: DateOrder | null;
  candidates: DateOrder[];
}

export interface Match {
  columns: MatchedColumn[];
  ignored: string[];
  missingRequired: string[];
  formats: Record<string, DateFormatGuess>;
}

/** A saved mapping as the matcher uses it: column → the header it reads, and the orders saved with it. */
export interface SavedReading {
  sources: Readonly<Record<string, string>>;
  formats?: Readonly<Record<string, DateOrder>>;
}

/** Below this a header is not suggested for a column at all. */
export const MIN_CONFIDENCE = 0.5;
/** What an emailed file's required columns must each reach to import without a saved mapping. */
export const AUTO_IMPORT_CONFIDENCE = 0.9;
/** Sample rows the matcher looks at. */
export const MAX_SAMPLE_ROWS = 100;

/**
 * A header as words: bracketed notes (`[Required]`, `(optional)`) dropped, camelCase split, case and
 * punctuation gone. `Email Address [Required]` → `email address`, `firstName` → `first name`.
 */
export const headerWords = (cell: string): string => words(cell.replace(/\[[^\]]*\]|\([^)]*\)/g, ' '));

/** The bracketed notes of a header as words (`User name [userPrincipalName]` → `user principal name`). */
const noteWords = (cell: string): string =>
  words([...cell.matchAll(/\[([^\]]*)\]|\(([^)]*)\)/g)].map((found) => found[1] ?? found[2] ?? '').join(' '));

/** Words exports add to say a column must or may be filled: they say nothing of what it holds. */
const NOISE = /(^| )(required|optional|mandatory)(?= |$)/g;

const words = (text: string): string =>
  text
    .replace(/^\uFEFF/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(NOISE, ' ')
    .replace(/ +/g, ' ')
    .trim();

const namesOf = (column: string, matching: ColumnMatching | undefined): string[] => [
  words(column.replace(/_/g, ' ')),
  ...(matching?.synonyms ?? []),
];

/** A synonym is a hair less sure than the column's own name: `email` beats `login` when both hold emails. */
const SYNONYM = 0.97;

/**
 * How well header words name a column, 0–1: equal to its name (1) or a synonym, containing one, or a near
 * spelling; halved by a word that says the header is about something else.
 */
const nameScore = (header: string, names: readonly string[], avoid: readonly string[]): number => {
  if (header === '') return 0;
  if (header === names[0]) return 1;
  let best = 0;
  for (const name of names) {
    if (header === name) best = Math.max(best, SYNONYM);
    const similarity = 1 - distance(header, name) / Math.max(header.length, name.length);
    // A near spelling (`Frist Name`, `Departments`); anything less alike is another word.
    if (similarity >= 0.8) best = Math.max(best, similarity * 0.95);
    if (` ${header} `.includes(` ${name} `))
      best = Math.max(best, 0.8 + 0.15 * (name.length / header.length));
  }
  return isAvoided(header, avoid) ? best * 0.5 : best;
};

const isAvoided = (header: string, avoid: readonly string[]): boolean => {
  const tokens = header.split(' ');
  return avoid.some((word) => tokens.includes(word));
};

/**
 * Whether a value looks like a phone number, 7–15 digits with the usual separators: enough to match a
 * column by its values (libphonenumber reads the numbers themselves, and stays out of this module).
 */
const looksLikePhone = (value: string): boolean => {
  if (!/^\+?[\d\s\-.()/]+$/.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15;
};

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const AMOUNT_SHAPE = /^\d{1,13}([.,]\d{1,2})?$/;
const CODE_SHAPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const BOOLEAN_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', '1', '0']);
const isDateShaped = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value) || ordersOf(value) !== 0;

/** Fraction of sample values that look like the column's kind; undefined when there are none. */
const valueFit = (matching: ColumnMatching | undefined, values: readonly string[]): number | undefined => {
  if (!matching || values.length === 0) return undefined;
  const test = ((): ((value: string) => boolean) => {
    switch (matching.kind) {
      case 'email':
        return (value) => EMAIL_SHAPE.test(value);
      case 'phone':
        return looksLikePhone;
      case 'date':
        return isDateShaped;
      case 'choice':
        return (value) => (matching.choices ?? []).includes(value.toLowerCase());
      case 'boolean':
        return (value) => BOOLEAN_WORDS.has(value.toLowerCase());
      case 'amount':
        return (value) => AMOUNT_SHAPE.test(value);
      case 'code':
        return (value) => CODE_SHAPE.test(value);
      case 'name':
        return (value) => !EMAIL_SHAPE.test(value) && !/\d/.test(value);
      default:
        return (value) => !EMAIL_SHAPE.test(value) && !isDateShaped(value);
    }
  })();
  return values.filter(test).length / values.length;
};

/** Kinds whose values say what they are, so values can refute a name. */
const DISTINCTIVE = new Set(['email', 'phone', 'date', 'choice', 'boolean']);
/**
 * Kinds a column of values is, whatever its header says (a column of addresses is the email column). Not
 * dates: a file has many (created, modified, born), and only the header says which is the start date.
 */
const SELF_EVIDENT = new Set(['email', 'phone', 'choice', 'boolean']);

/**
 * Confidence that a header feeds a column. Names decide; values confirm or refute them (a `login` of
 * user names is not the email column); a self-evident kind's values alone can suggest a column, unless
 * the header says it is about something else, and never with the confidence an emailed file needs to
 * import unattended.
 */
const confidence = (
  name: number,
  fit: number | undefined,
  matching: ColumnMatching | undefined,
  avoided: boolean,
): number => {
  // The column's own name reads it by name whatever the values (DESIGN §4): they are row errors then.
  if (fit === undefined || name === 1) return name;
  if (matching && DISTINCTIVE.has(matching.kind)) {
    const named = name * (0.3 + 0.7 * fit);
    const selfEvident = SELF_EVIDENT.has(matching.kind) && !avoided && fit >= 0.9;
    return selfEvident ? Math.max(named, 0.6 + 0.25 * fit) : named;
  }
  return name * (0.6 + 0.4 * fit);
};

/** How many headers per column go into the assignment: a wide export's other headers cannot win. */
const CANDIDATES_PER_COLUMN = 6;

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * The suggested mapping of a file's header (and up to `MAX_SAMPLE_ROWS` of its rows) to a template.
 * `saved` is the account's saved mapping for this header, when it has one.
 */
export const matchColumns = (
  template: TemplateDefinition,
  header: readonly string[],
  rows: readonly (readonly string[])[] = [],
  saved?: SavedReading,
): Match => {
  const sample = rows.slice(0, MAX_SAMPLE_ROWS);
  const valuesAt = (position: number): string[] =>
    sample.map((row) => (row[position] ?? '').trim()).filter((value) => value !== '');
  const headerText = header.map((cell) => ({ main: headerWords(cell), note: noteWords(cell) }));

  const assigned = new Map<string, { position: number; confidence: number; saved: boolean }>();
  if (saved) {
    for (const [column, source] of Object.entries(saved.sources)) {
      const position = positionOf(header, source);
      if (position >= 0) assigned.set(column, { position, confidence: 1, saved: true });
    }
  }
  const taken = new Set([...assigned.values()].map((entry) => entry.position));
  const open = template.columns.filter((column) => !assigned.has(column.name));

  // Each open column's best few headers, scored; then the best assignment among them.
  const scored = open.map((column) => {
    const matching = template.matching[column.name];
    const names = namesOf(column.name, matching);
    const avoid = matching?.avoid ?? [];
    return header
      .map((_, position) => {
        if (taken.has(position)) return { position, score: 0 };
        const text = headerText[position] ?? { main: '', note: '' };
        const name = Math.max(nameScore(text.main, names, avoid), 0.95 * nameScore(text.note, names, avoid));
        const fit = valueFit(matching, valuesAt(position));
        return { position, score: confidence(name, fit, matching, isAvoided(text.main, avoid)) };
      })
      .filter((entry) => entry.score >= MIN_CONFIDENCE)
      .sort((a, b) => b.score - a.score || a.position - b.position)
      .slice(0, CANDIDATES_PER_COLUMN);
  });
  const positions = [...new Set(scored.flatMap((list) => list.map((entry) => entry.position)))].sort(
    (a, b) => a - b,
  );
  if (positions.length > 0 && open.length > 0) {
    // Cost 1 − confidence, with a hair more for later headers so that equal scores go to the first.
    const costs = scored.map((list) =>
      positions.map((position, at) => {
        const entry = list.find((candidate) => candidate.position === position);
        return entry ? 1 - entry.score + at * 1e-9 : 2;
      }),
    );
    for (const [row, col] of munkres(costs)) {
      const column = open[row];
      const position = positions[col];
      const entry = scored[row]?.find((candidate) => candidate.position === position);
      if (column && position !== undefined && entry)
        assigned.set(column.name, { position, confidence: round(entry.score), saved: false });
    }
  }

  const columns = template.columns.map((column): MatchedColumn => {
    const entry = assigned.get(column.name);
    return entry
      ? {
          name: column.name,
          source: header[entry.position] ?? null,
          confidence: entry.confidence,
          saved: entry.saved,
        }
      : { name: column.name, source: null, confidence: 0, saved: false };
  });
  const used = new Set([...assigned.values()].map((entry) => entry.position));
  const formats: Record<string, DateFormatGuess> = {};
  for (const column of template.columns) {
    if (template.matching[column.name]?.kind !== 'date') continue;
    const entry = assigned.get(column.name);
    formats[column.name] = dateGuess(
      entry ? valuesAt(entry.position) : [],
      entry?.saved ? saved?.formats?.[column.name] : undefined,
    );
  }
  return {
    columns,
    ignored: header.filter((cell, position) => !used.has(position) && cell.trim() !== ''),
    missingRequired: template.columns
      .filter((column) => column.required && !assigned.has(column.name))
      .map((column) => column.name),
    formats,
  };
};

/** A date column's order as the sample shows it; a saved order stands when the sample does not refute it. */
const dateGuess = (values: readonly string[], savedOrder: DateOrder | undefined): DateFormatGuess => {
  const reader = new DateOrderReader();
  values.forEach((value, index) => {
    reader.add(value, index + 2);
  });
  const order = reader.result();
  if (order.kind === 'iso') return { format: savedOrder ?? null, candidates: [] };
  if (order.kind === 'one') return { format: order.order, candidates: [order.order] };
  if (order.kind === 'ambiguous') {
    const format = savedOrder && order.orders.includes(savedOrder) ? savedOrder : null;
    return { format, candidates: order.orders };
  }
  return { format: savedOrder ?? null, candidates: [...DATE_ORDERS] };
};

/**
 * Where a mapping's source is in a header: the cell as written (spaces around it aside), else the first
 * cell with the same words (`Email Address [Required]` for `email address [required]`); −1 when none.
 */
export const positionOf = (header: readonly string[], source: string): number => {
  const exact = header.findIndex((cell) => cell.replace(/^\uFEFF/, '').trim() === source.trim());
  if (exact >= 0) return exact;
  const wanted = words(source);
  return wanted === '' ? -1 : header.findIndex((cell) => words(cell) === wanted);
};
