import { CsvError, type Options, parse } from 'csv-parse/sync';
import { RecordScanner } from '../shared/csv';
import { type ChunkMessage, type Delimiter, ErrorType } from '../shared/model';
import type { ObjectStore } from '../shared/ports';
import type { RowProblem } from '../shared/templates';

/**
 * Reads a chunk's records: ranged GETs around oversized records, the shared scanner for boundaries, row
 * numbers and blank records (so they match validate-file's exactly), csv-parse for the cells. csv-parse
 * runs strict over each byte range; its recovery after a malformed quote is poor, so when it fails the
 * range is split with the scanner and each record is parsed alone, and only a record that still fails
 * becomes a row error.
 */

export type ChunkRow =
  | { kind: 'cells'; rowNumber: number; cells: string[] }
  /** Cells as far as they could be read leniently, and what is wrong with the quoting. */
  | { kind: 'malformed'; rowNumber: number; cells: string[]; problem: RowProblem }
  | { kind: 'oversized'; rowNumber: number; bytes: number };

/** The chunk's non-blank records in row order. */
export const readChunkRows = async (
  objects: ObjectStore,
  message: ChunkMessage,
  maxRecordBytes: number,
): Promise<ChunkRow[]> => {
  const rows: ChunkRow[] = [];
  const reader = new SegmentReader(message, maxRecordBytes);
  let cursor = message.start;
  let rowNumber = message.firstRowNumber;
  const oversized = [...message.oversized].sort((a, b) => a.start - b.start);
  for (const skipped of oversized) {
    const records = await reader.read(objects, cursor, skipped.start, rowNumber, rows);
    if (rowNumber + records !== skipped.rowNumber) throw mismatch(message, skipped.start);
    rows.push({ kind: 'oversized', rowNumber: skipped.rowNumber, bytes: skipped.end - skipped.start });
    cursor = skipped.end;
    rowNumber = skipped.rowNumber + 1;
  }
  await reader.read(objects, cursor, message.end, rowNumber, rows);
  return rows;
};

const mismatch = (message: ChunkMessage, offset: number) =>
  new Error(
    `Chunk ${message.chunkIndex} of import ${message.importId} does not match its plan at byte ${offset}: ` +
      `the data file changed after validation`,
  );

const baseOptions = (delimiter: Delimiter, maxRecordBytes: number): Options => ({
  delimiter,
  // Explicit, because csv-parse otherwise guesses one line break from the data and a file may mix them.
  record_delimiter: ['\r\n', '\n', '\r'],
  relax_column_count: true,
  max_record_size: maxRecordBytes,
});

interface SegmentRecord {
  start: number;
  end: number;
  blank: boolean;
}

class SegmentReader {
  private readonly strict: Options;
  private readonly lenient: Options;

  constructor(
    private readonly message: ChunkMessage,
    maxRecordBytes: number,
  ) {
    this.strict = baseOptions(message.delimiter, maxRecordBytes);
    this.lenient = { ...this.strict, relax_quotes: true };
  }

  /** Appends the non-blank rows of bytes [start, end) to `rows`; returns how many records it held. */
  async read(
    objects: ObjectStore,
    start: number,
    end: number,
    firstRowNumber: number,
    rows: ChunkRow[],
  ): Promise<number> {
    if (end <= start) return 0;
    const bytes = await objects.getRange(this.message.dataKey, start, end);
    if (bytes.length !== end - start) throw mismatch(this.message, start + bytes.length);
    const records = this.split(bytes, start);
    const whole = this.parseWhole(bytes, records.length);
    records.forEach((record, index) => {
      if (record.blank) return;
      const rowNumber = firstRowNumber + index;
      const cells = whole?.[index];
      rows.push(cells ? { kind: 'cells', rowNumber, cells } : this.parseAlone(bytes, record, rowNumber));
    });
    return records.length;
  }

  private split(bytes: Buffer, offset: number): SegmentRecord[] {
    const records: SegmentRecord[] = [];
    const scanner = new RecordScanner(
      (record) => records.push({ start: record.start, end: record.end, blank: record.blank }),
      { delimiter: this.message.delimiter },
    );
    scanner.push(bytes);
    if (scanner.finish().unterminatedQuoteLine !== undefined) throw mismatch(this.message, offset);
    return records;
  }

  /** Every record of the range at once, or undefined when csv-parse fails or splits it differently. */
  private parseWhole(bytes: Buffer, expected: number): string[][] | undefined {
    try {
      const parsed = parse(bytes, this.strict);
      return parsed.length === expected ? parsed : undefined;
    } catch (error) {
      if (error instanceof CsvError) return undefined;
      throw error;
    }
  }

  private parseAlone(bytes: Buffer, record: SegmentRecord, rowNumber: number): ChunkRow {
    const raw = bytes.subarray(record.start, record.end);
    let failure: CsvError | undefined;
    try {
      const parsed = parse(raw, this.strict);
      if (parsed.length === 1 && parsed[0]) return { kind: 'cells', rowNumber, cells: parsed[0] };
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
      failure = error;
    }
    const lenient = this.parseLeniently(raw);
    // A quote inside an unquoted value is a literal character (the scanner reads it so too).
    if (failure?.code === 'INVALID_OPENING_QUOTE' && lenient)
      return { kind: 'cells', rowNumber, cells: lenient };
    return {
      kind: 'malformed',
      rowNumber,
      cells: lenient ?? [raw.toString('utf8')],
      problem: this.describe(failure),
    };
  }

  private parseLeniently(raw: Buffer): string[] | undefined {
    try {
      const parsed = parse(raw, this.lenient);
      return parsed.length === 1 ? parsed[0] : undefined;
    } catch (error) {
      if (error instanceof CsvError) return undefined;
      throw error;
    }
  }

  private describe(failure: CsvError | undefined): RowProblem {
    const field = typeof failure?.column === 'number' ? failure.column : undefined;
    const name = field === undefined ? undefined : this.message.header[field];
    const which = name ? `The ${name.trim()} value` : field === undefined ? 'A value' : `Value ${field + 1}`;
    const column = field === undefined ? undefined : (this.message.columnMap[field] ?? undefined);
    const withColumn = (problem: RowProblem): RowProblem => (column ? { ...problem, column } : problem);
    switch (failure?.code) {
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
        return withColumn({
          errorType: ErrorType.INVALID_FORMAT,
          message: `${which} has text after its closing quote: put the whole value in quotes and write each quote inside it as two quotes ("")`,
        });
      case 'CSV_QUOTE_NOT_CLOSED':
        return withColumn({
          errorType: ErrorType.INVALID_FORMAT,
          message: `${which} opens a quote that is never closed: add the closing quote`,
        });
      case 'CSV_MAX_RECORD_SIZE':
        return { errorType: ErrorType.TOO_LONG, message: 'Row is longer than the limit for one row' };
      default:
        return {
          errorType: ErrorType.INVALID_FORMAT,
          message: `Row could not be read as CSV: check its quotes and delimiters${failure ? ` (${failure.message})` : ''}`,
        };
    }
  }
}
