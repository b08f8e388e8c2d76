/**
 * Encodings and file signatures. The pipeline works on UTF-8 only: anything else is transcoded once by
 * validate-file (to `work/{importId}/utf8.csv`), and files that are not text get a reason that tells the
 * admin what they uploaded and what to do instead.
 */

/** Encodings the importer reads. */
export const TextEncoding = {
  UTF8: 'utf-8',
  UTF16LE: 'utf-16le',
  UTF16BE: 'utf-16be',
  WINDOWS_1252: 'windows-1252',
} as const;
export type TextEncoding = (typeof TextEncoding)[keyof typeof TextEncoding];

/** Bytes `sniffEncoding` wants to see (fewer only when the file is shorter). */
export const SNIFF_BYTES = 4096;

export const NOT_CSV_REASONS = {
  xlsx: "This is an Excel workbook (.xlsx) or another zip file, not CSV: save it as 'CSV UTF-8' and upload that",
  xls: "This is a legacy Excel workbook (.xls), not CSV: save it as 'CSV UTF-8' and upload that",
  pdf: 'This is a PDF document, not CSV: export the data as CSV and upload that',
  gzip: 'This is a gzip-compressed file, not CSV: decompress it and upload the .csv file inside',
  binary:
    "This is not a text file (it contains binary data), so it cannot be read as CSV: save it as 'CSV UTF-8' and upload that",
} as const;

export type EncodingSniff =
  | { ok: true; encoding: TextEncoding; hasBom: boolean }
  | { ok: false; reason: string };

const startsWith = (bytes: Uint8Array, signature: readonly number[]): boolean =>
  bytes.length >= signature.length && signature.every((byte, index) => bytes[index] === byte);

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04],
  // An empty zip archive starts with the end-of-central-directory record.
  [0x50, 0x4b, 0x05, 0x06],
];
const OLE_SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const PDF_SIGNATURE = [0x25, 0x50, 0x44, 0x46];
const GZIP_SIGNATURE = [0x1f, 0x8b];
const UTF8_BOM = [0xef, 0xbb, 0xbf];
const UTF16LE_BOM = [0xff, 0xfe];
const UTF16BE_BOM = [0xfe, 0xff];

/**
 * UTF-16 without a byte order mark: CSV text is mostly ASCII (delimiters, digits, line breaks), so one
 * byte of most pairs is NUL and always the same one. Anything else with NULs is binary.
 */
const guessUtf16 = (head: Uint8Array): TextEncoding | undefined => {
  const pairs = Math.floor(head.length / 2);
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (head[i] === 0) evenNuls += 1;
    if (head[i + 1] === 0) oddNuls += 1;
  }
  const looksLike = (mostly: number, rarely: number) => mostly >= pairs * 0.2 && rarely * 10 <= mostly;
  if (looksLike(oddNuls, evenNuls)) return TextEncoding.UTF16LE;
  if (looksLike(evenNuls, oddNuls)) return TextEncoding.UTF16BE;
  return undefined;
};

/**
 * Decides from the first bytes of a file (up to `SNIFF_BYTES`) how to read it. Plain UTF-8 is only a
 * first guess: the pass validates it as it goes and restarts as Windows-1252 when it is not.
 */
export const sniffEncoding = (head: Uint8Array): EncodingSniff => {
  if (ZIP_SIGNATURES.some((signature) => startsWith(head, signature)))
    return { ok: false, reason: NOT_CSV_REASONS.xlsx };
  if (startsWith(head, OLE_SIGNATURE)) return { ok: false, reason: NOT_CSV_REASONS.xls };
  if (startsWith(head, PDF_SIGNATURE)) return { ok: false, reason: NOT_CSV_REASONS.pdf };
  if (startsWith(head, GZIP_SIGNATURE)) return { ok: false, reason: NOT_CSV_REASONS.gzip };
  if (startsWith(head, UTF8_BOM)) return { ok: true, encoding: TextEncoding.UTF8, hasBom: true };
  if (startsWith(head, UTF16LE_BOM)) return { ok: true, encoding: TextEncoding.UTF16LE, hasBom: true };
  if (startsWith(head, UTF16BE_BOM)) return { ok: true, encoding: TextEncoding.UTF16BE, hasBom: true };
  const nul = head.indexOf(0);
  if (nul === -1) return { ok: true, encoding: TextEncoding.UTF8, hasBom: false };
  const utf16 = guessUtf16(head);
  if (utf16) return { ok: true, encoding: utf16, hasBom: false };
  return { ok: false, reason: nulByteReason(1 + countLineBreaks(head.subarray(0, nul)), nul + 1) };
};

/**
 * Why a file with a NUL in it is refused, and where the first one is: its physical line, and its byte
 * (1-based) when the file was read as it is (a transcoded file's bytes are not the upload's).
 */
export const nulByteReason = (line: number, byte?: number): string =>
  `Line ${line.toLocaleString('en-US')} has a NUL ${byte === undefined ? 'character' : `byte at byte ${byte.toLocaleString('en-US')}`}: ${NOT_CSV_REASONS.binary.charAt(0).toLowerCase()}${NOT_CSV_REASONS.binary.slice(1)}`;

/** Line breaks in `bytes` as the record scanner counts lines: LF, CRLF and a lone CR each end one. */
export const countLineBreaks = (bytes: Uint8Array): number => {
  let breaks = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (byte === 0x0a) breaks += 1;
    else if (byte === 0x0d) {
      breaks += 1;
      if (bytes[i + 1] === 0x0a) i += 1;
    }
  }
  return breaks;
};

/**
 * Offset of the first byte that cannot start or continue a UTF-8 character (overlong forms, surrogates
 * and code points past U+10FFFF included), or -1 when there is none. A character cut off by the end of
 * `bytes` is not counted as invalid: it may continue in the next piece.
 */
export const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // past U+10FFFF
    } else return i;
    for (let k = 1; k < length; k += 1) {
      if (i + k >= bytes.length) return -1;
      const next = bytes[i + k] ?? 0;
      if (next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
};
