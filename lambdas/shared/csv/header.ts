import { parse } from 'csv-parse/sync';
import type { Delimiter } from '../model';

/**
 * The first record is read before the delimiter is known: a quote opens a quoted section at the start of
 * the line or after any candidate delimiter, and each candidate is counted outside quotes.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const CANDIDATES: readonly { delimiter: Delimiter; byte: number }[] = [
  // Order is the tie-break: comma wins ties, then semicolon.
  { delimiter: ',', byte: 0x2c },
  { delimiter: ';', byte: 0x3b },
  { delimiter: '\t', byte: 0x09 },
];

export interface HeaderSniff {
  delimiter: Delimiter;
  /** Whether the first record's line break was found in the bytes given. */
  complete: boolean;
}

/** Picks the delimiter from the first record (comma, semicolon or tab; comma wins ties). */
export const sniffHeader = (bytes: Uint8Array): HeaderSniff => {
  const counts = CANDIDATES.map(() => 0);
  let inQuotes = false;
  let quoteSeen = false;
  let fieldStart = true;
  let complete = false;
  for (let i = utf8BomLength(bytes); i < bytes.length && !complete; i += 1) {
    const byte = bytes[i] ?? 0;
    if (inQuotes) {
      if (byte === QUOTE) quoteSeen = !quoteSeen;
      else if (quoteSeen) inQuotes = false;
      // A quote followed by anything but a quote closed the section: read that byte as unquoted.
      if (inQuotes) continue;
      quoteSeen = false;
    }
    if (byte === LF || byte === CR) {
      complete = true;
      continue;
    }
    if (byte === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      continue;
    }
    const candidate = CANDIDATES.findIndex((entry) => entry.byte === byte);
    fieldStart = candidate >= 0;
    if (candidate >= 0) counts[candidate] = (counts[candidate] ?? 0) + 1;
  }
  let best = 0;
  counts.forEach((count, index) => {
    if (count > (counts[best] ?? 0)) best = index;
  });
  return { delimiter: CANDIDATES[best]?.delimiter ?? ',', complete };
};

/** 3 when `bytes` starts with a UTF-8 byte order mark, else 0. */
export const utf8BomLength = (bytes: Uint8Array): number =>
  bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;

/**
 * Cells of one record (the header) as written, with a UTF-8 byte order mark removed. Lenient about
 * stray quotes: a header is matched by name, so a literal quote in it is just part of that name.
 */
export const parseHeaderCells = (bytes: Uint8Array, delimiter: Delimiter): string[] => {
  // Decoded here rather than by csv-parse from a Buffer, so that the console's preview runs this very code.
  const rows = parse(new TextDecoder().decode(bytes), {
    bom: true,
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    // The first record only: the bytes may run on into rows, cut off anywhere (the preview's head).
    to: 1,
  });
  return rows[0] ?? [];
};
