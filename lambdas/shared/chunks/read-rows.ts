import { isAscii } from 'node:buffer';
import { CsvError, type Options, parse } from 'csv-parse/sync';
import { RecordScanner } from '../csv';
import { type ChunkMessage, type Delimiter, ErrorType, type PlannedChunk } from '../model';
import { PipelineError, PipelineErrorCode } from '../pipeline-error';
import type { ObjectStore } from '../ports';
import type { RowProblem } from '../templates';

/**
 * Reads a chunk's records: ranged GETs around oversized records, the shared scanner for boundaries, row
 * numbers and blank records (so they match validate-file's exactly), then the cells. A record without a
 * quote has no CSV syntax beyond its delimiters, so its cells are the text split at them, which is what
 * csv-parse returns for it at a fraction of the cost (cell parsing was the largest part of a chunk's CPU).
 * Records with a quote go to csv-parse, strict, all of a range's in one call; when that fails each is
 * parsed alone, then leniently, and a record that still fails becomes a row error.
 */

export type ChunkRow =
  | { kind: 'cells'; rowNumber: number; cells: string[] }
  /** Cells as far as they could be read leniently, and what is wrong with the quoting. */
  | { kind: 'malformed'; rowNumber: number; cells: string[]; problem: RowProblem }
  | { kind: 'oversized'; rowNumber: number; bytes: number };

/** The chunk's non-blank records in row order. */
export const readChunkRows = async (
  objects: ObjectStore,
  message: PlannedChunk,
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
  new PipelineError(
    PipelineErrorCode.PLAN_MISMATCH,
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

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

class SegmentReader {
  private readonly strict: Options;
  private readonly lenient: Options;

  constructor(
    private readonly message: PlannedChunk,
    private readonly maxRecordBytes: number,
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
    // All-ASCII text (the usual case) is decoded once, and its byte offsets are its string offsets.
    const text = isAscii(bytes) ? bytes.toString('latin1') : undefined;
    let nextQuote = bytes.indexOf(QUOTE);
    const needsParser = records.map((record) => {
      if (nextQuote !== -1 && nextQuote < record.start) nextQuote = bytes.indexOf(QUOTE, record.start);
      const quoted = nextQuote !== -1 && nextQuote < record.end;
      return !record.blank && (quoted || record.end - record.start > this.maxRecordBytes);
    });
    const parsed = this.parseTogether(
      bytes,
      records.filter((_, index) => needsParser[index]),
    );
    let parsedIndex = 0;
    records.forEach((record, index) => {
      if (record.blank) return;
      const rowNumber = firstRowNumber + index;
      if (!needsParser[index]) {
        rows.push({ kind: 'cells', rowNumber, cells: this.splitPlain(bytes, text, record) });
        return;
      }
      const cells = parsed?.[parsedIndex];
      parsedIndex += 1;
      rows.push(cells ? { kind: 'cells', rowNumber, cells } : this.parseAlone(bytes, record, rowNumber));
    });
    return records.length;
  }

  /**
   * The cells of every quoted record in one csv-parse call (each call costs a parser's set-up, more than
   * a record's parsing), or undefined when csv-parse fails on one of them or reads them differently.
   */
  private parseTogether(bytes: Buffer, records: readonly SegmentRecord[]): string[][] | undefined {
    if (records.length < 2) return undefined;
    try {
      const parsed = parse(
        Buffer.concat(records.map((record) => bytes.subarray(record.start, record.end))),
        this.strict,
      );
      return parsed.length === records.length ? parsed : undefined;
    } catch (error) {
      if (error instanceof CsvError) return undefined;
      throw error;
    }
  }

  /** The cells of a record without quotes: its text, without the line break, split at the delimiter. */
  private splitPlain(bytes: Buffer, text: string | undefined, record: SegmentRecord): string[] {
    let end = record.end;
    if (end > record.start && bytes[end - 1] === LF) end -= 1;
    if (end > record.start && bytes[end - 1] === CR) end -= 1;
    const line =
      text === undefined ? bytes.toString('utf8', record.start, end) : text.slice(record.start, end);
    return line.split(this.message.delimiter);
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
