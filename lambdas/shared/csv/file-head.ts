import { parse } from 'csv-parse/sync';
import type { Delimiter } from '../model';
import { parseHeaderCells, sniffHeader } from './header';
import { SNIFF_BYTES, sniffEncoding, TextEncoding } from './sniff';

/**
 * The first bytes of a file read as the pipeline reads them: encoding, delimiter, header and the first
 * rows. The console's preview runs it on the first `HEAD_BYTES` of a chosen file before uploading, and
 * validate-file on the same bytes of the upload to choose an emailed file's mapping, so both see the same
 * header. Browser-safe: no Node APIs (TextDecoder decodes; csv-parse has a browser build).
 */

/** What the preview reads of a file, and validate-file of an upload, to see its header and first rows. */
export const HEAD_BYTES = 64 * 1024;
/** Rows kept for matching by values and for samples. */
export const HEAD_ROWS = 100;

export interface FileHead {
  encoding: TextEncoding;
  hasBom: boolean;
  delimiter: Delimiter;
  /** The header as written (a byte order mark removed). */
  header: string[];
  /** Up to `HEAD_ROWS` non-blank records after the header, as parsed (untrimmed). */
  rows: string[][];
}

export type FileHeadRead = { ok: true; head: FileHead } | { ok: false; reason: string };

/** Decodes the head in the file's encoding; UTF-8 that is not valid is read as Windows-1252, as the pass does. */
const decode = (
  bytes: Uint8Array,
  encoding: TextEncoding,
  hasBom: boolean,
): { text: string; encoding: TextEncoding } => {
  if (encoding === TextEncoding.UTF8 && !hasBom) {
    try {
      // `stream` keeps a character cut off at the end of the head from counting as invalid.
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true }), encoding };
    } catch {
      return { text: new TextDecoder('windows-1252').decode(bytes), encoding: TextEncoding.WINDOWS_1252 };
    }
  }
  return { text: new TextDecoder(encoding).decode(bytes, { stream: true }), encoding };
};

const isBlankRecord = (cells: readonly string[]): boolean => cells.every((cell) => /^[ \t\r\n]*$/.test(cell));

/** Records of `text`, the last one dropped when the head was cut inside it. */
const recordsOf = (text: string, delimiter: Delimiter, whole: boolean): string[][] => {
  let body = whole ? text : text.slice(0, Math.max(0, text.search(/[\r\n][^\r\n]*$/)));
  for (let attempt = 0; attempt < 4; attempt += 1) {
    try {
      return parse(body, {
        delimiter,
        record_delimiter: ['\r\n', '\n', '\r'],
        relax_column_count: true,
        relax_quotes: true,
      });
    } catch {
      // A quoted value cut off by the end of the head: read up to the line before it.
      const cut = body.search(/[\r\n][^\r\n]*$/);
      if (cut <= 0) return [];
      body = body.slice(0, cut);
    }
  }
  return [];
};

/**
 * Reads a file's head. `whole` says the bytes are the whole file (so the last record is complete).
 * Refuses what the pipeline refuses outright (a workbook, a PDF, binary data) with the same reason.
 */
export const readFileHead = (bytes: Uint8Array, whole: boolean): FileHeadRead => {
  const sniff = sniffEncoding(bytes.subarray(0, SNIFF_BYTES));
  if (!sniff.ok) return { ok: false, reason: sniff.reason };
  const { text, encoding } = decode(bytes, sniff.encoding, sniff.hasBom);
  const utf8 = new TextEncoder().encode(text);
  const { delimiter } = sniffHeader(utf8);
  const records = recordsOf(text, delimiter, whole);
  return {
    ok: true,
    head: {
      encoding,
      hasBom: sniff.hasBom,
      delimiter,
      header: parseHeaderCells(utf8, delimiter),
      rows: records
        .slice(1)
        .filter((cells) => !isBlankRecord(cells))
        .slice(0, HEAD_ROWS),
    },
  };
};
