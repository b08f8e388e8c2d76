import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { RecordScanner, TextEncoding, Utf8Transcoder } from '../../../../lambdas/shared/csv';
import type { Delimiter } from '../../../../lambdas/shared/model';

/**
 * Laws of the CSV reader, tested as laws (fast-check). validate-file cuts a file into chunks where the
 * scanner says records end, and process-chunk parses each chunk on its own: for any file, in any pieces,
 * with any chunk size, the chunks must parse to exactly the records csv-parse reads from the whole file.
 * And a file in another encoding, transcoded in arbitrary pieces, must scan exactly like its UTF-8 text.
 */

const PARSE_OPTIONS = { record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true };

// Cells dense in CSV syntax: delimiters, quotes, every line break, spaces, and non-ASCII text.
const cellText = fc.string({
  unit: fc.constantFrom(',', ';', '\t', '"', '\r', '\n', ' ', 'a', 'Z', '1', 'é', '€', '😀'),
  maxLength: 12,
});

/** A cell as a spreadsheet writes it: quoted (quotes doubled) when it must be, or by choice. */
const writtenCell = (delimiter: Delimiter) =>
  fc.tuple(cellText, fc.boolean()).map(([value, quoteAnyway]) => {
    const needsQuotes = /["\r\n]/.test(value) || value.includes(delimiter) || value.startsWith(' ');
    return needsQuotes || quoteAnyway ? `"${value.replaceAll('"', '""')}"` : value;
  });

const lineBreak = fc.constantFrom('\r\n', '\n', '\r');

/** A whole file: records of 1–5 cells, blank lines among them, any line breaks, maybe none at the end. */
const csvFile = fc.constantFrom<Delimiter>(',', ';', '\t').chain((delimiter) =>
  fc
    .tuple(
      fc.array(
        fc.oneof(
          { weight: 5, arbitrary: fc.array(writtenCell(delimiter), { minLength: 1, maxLength: 5 }) },
          { weight: 1, arbitrary: fc.constant([] as string[]) },
        ),
        { minLength: 1, maxLength: 25 },
      ),
      fc.array(lineBreak, { minLength: 25, maxLength: 25 }),
      fc.boolean(),
    )
    .map(([records, breaks, endsWithBreak]) => {
      const text = records
        .map((cells, index) => {
          const isLast = index === records.length - 1;
          return `${cells.join(delimiter)}${isLast && !endsWithBreak ? '' : (breaks[index] ?? '\n')}`;
        })
        .join('');
      return { delimiter, text };
    })
    // A last record of nothing but an empty line is no record to csv-parse; keep files where both agree.
    .filter(({ text }) => text.length > 0),
);

/** Cuts of a byte length into pieces: sorted offsets inside it. */
const cutsOf = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 8 })
    .map((cuts) => cuts.filter((cut) => cut < length).sort((a, b) => a - b));

const piecesOf = (bytes: Buffer, cuts: readonly number[]): Buffer[] =>
  [0, ...cuts, bytes.length].slice(1).map((end, index) => bytes.subarray([0, ...cuts][index] ?? 0, end));

interface Scanned {
  records: { start: number; end: number; blank: boolean }[];
  unterminated: boolean;
}

const scan = (pieces: readonly Buffer[], delimiter: Delimiter): Scanned => {
  const records: Scanned['records'] = [];
  const scanner = new RecordScanner(
    (record) => records.push({ start: record.start, end: record.end, blank: record.blank }),
    { delimiter },
  );
  for (const piece of pieces) scanner.push(piece);
  return { records, unterminated: scanner.finish().unterminatedQuoteLine !== undefined };
};

describe('CSV reader laws', () => {
  it("chunks cut at the scanner's record ends parse to exactly the records of the whole file", () => {
    fc.assert(
      fc.property(
        csvFile.chain((file) =>
          fc.tuple(fc.constant(file), cutsOf(Buffer.byteLength(file.text)), fc.integer({ min: 1, max: 30 })),
        ),
        ([{ delimiter, text }, cuts, recordsPerChunk]) => {
          const bytes = Buffer.from(text, 'utf8');
          const { records, unterminated } = scan(piecesOf(bytes, cuts), delimiter);
          expect(unterminated).toBe(false);
          // The records tile the file.
          expect(records[0]?.start).toBe(0);
          expect(records.at(-1)?.end).toBe(bytes.length);
          records.slice(1).forEach((record, index) => {
            expect(record.start).toBe(records[index]?.end);
          });

          const whole = parse(text, { ...PARSE_OPTIONS, delimiter });
          const chunked: string[][] = [];
          for (let first = 0; first < records.length; first += recordsPerChunk) {
            const start = records[first]?.start ?? 0;
            const end = records[Math.min(records.length, first + recordsPerChunk) - 1]?.end ?? 0;
            chunked.push(
              ...parse(bytes.subarray(start, end).toString('utf8'), { ...PARSE_OPTIONS, delimiter }),
            );
          }
          expect(chunked).toEqual(whole);
          expect(records).toHaveLength(whole.length);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('scans a transcoded file, fed in any pieces, exactly as its UTF-8 text', () => {
    const encodings = [TextEncoding.UTF16LE, TextEncoding.UTF16BE, TextEncoding.WINDOWS_1252] as const;
    fc.assert(
      fc.property(
        csvFile,
        fc.constantFrom(...encodings),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 31 }),
        ({ delimiter, text }, encoding, withBom, seed) => {
          // Windows-1252 has no emoji: those become '?' in the file, and in the text it is compared with.
          const representable = encoding === TextEncoding.WINDOWS_1252 ? text.replaceAll('😀', '?') : text;
          const name = { 'utf-16le': 'utf16le', 'utf-16be': 'utf16be', 'windows-1252': 'windows1252' }[
            encoding
          ];
          const encoded = iconv.encode(representable, name, {
            addBOM: withBom && encoding !== 'windows-1252',
          });
          // Cuts anywhere, inside UTF-16 code units and surrogate pairs included.
          const cuts = [...new Set([seed % encoded.length, (seed >> 7) % encoded.length, 1, 3])]
            .filter((cut) => cut > 0 && cut < encoded.length)
            .sort((a, b) => a - b);

          const transcoder = new Utf8Transcoder(encoding);
          const utf8Pieces = [
            ...piecesOf(encoded, cuts).map((piece) => transcoder.write(piece)),
            transcoder.end(),
          ];
          const direct = Buffer.from(representable, 'utf8');

          expect(Buffer.concat(utf8Pieces)).toEqual(direct);
          expect(scan(utf8Pieces, delimiter)).toEqual(scan([direct], delimiter));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
