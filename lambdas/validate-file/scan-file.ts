import type { Readable } from 'node:stream';
import {
  countLineBreaks,
  firstInvalidUtf8,
  formatSize,
  isBlankCell,
  nulByteReason,
  parseHeaderCells,
  RecordScanner,
  type ScannedRecord,
  SNIFF_BYTES,
  sniffEncoding,
  sniffHeader,
  TextEncoding,
  Utf8Transcoder,
  Utf8Validator,
  utf8BomLength,
} from '../shared/csv';
import { cellValue } from '../shared/csv-cells';
import { FileRejectedError } from '../shared/errors';
import { type ColumnOrder, DateOrderReader } from '../shared/mapping/dates';
import type { ColumnMapping, Delimiter } from '../shared/model';
import type { ObjectStore } from '../shared/ports';
import {
  type HeaderMatch,
  isExceptionsReportHeader,
  matchHeader,
  normalizeHeaderName,
  type TemplateDefinition,
} from '../shared/templates';
import { ChunkPlanner, type PlannedChunk } from './chunk-plan';
import { KeyIndex } from './duplicate-keys';
import { UploadSink } from './upload-sink';

/**
 * validate-file's one streaming pass over an upload: encoding, delimiter, header, record boundaries,
 * row count, chunk plan and in-file duplicate keys. Never holds the file: only the header (at most one
 * record) is buffered. File-level problems throw `FileRejectedError` with the reason an admin reads.
 */

export interface ScanLimits {
  maxRecordBytes: number;
  chunkMaxRows: number;
  chunkMaxBytes: number;
}

export interface ScanInput {
  objects: ObjectStore;
  /** The upload as stored. */
  sourceKey: string;
  /** Where a transcoding to UTF-8 goes when the upload is not UTF-8 already. */
  utf8Key: string;
  template: TemplateDefinition;
  limits: ScanLimits;
  /** The mapping the file is read through (DESIGN §9); columns it leaves out are matched by name. */
  mapping?: ColumnMapping;
}

export interface FileScan {
  encoding: TextEncoding;
  /** The key chunk workers read: the upload itself, or its UTF-8 transcoding. */
  dataKey: string;
  delimiter: Delimiter;
  /** The header as written (a byte order mark removed). */
  header: string[];
  columnMap: (string | null)[];
  /** Columns the mapping fills with one value for every row. */
  constants: Record<string, string>;
  /** What each date column read from the file says of its order. */
  dateOrders: Record<string, ColumnOrder>;
  warnings: string[];
  /** Non-blank records after the header. */
  dataRows: number;
  chunks: PlannedChunk[];
}

/** Unknown columns listed one by one before the rest are summed up. */
const MAX_UNKNOWN_COLUMN_WARNINGS = 10;
/** Unknown column names are cut to this many characters in warnings. */
const MAX_WARNED_NAME_CHARS = 80;
/**
 * The header travels in every chunk message (SQS takes 256 KiB) and on the task item (DynamoDB takes
 * 400 KB), so it is bounded well below both: templates have a handful of columns, exports a few hundred.
 */
export const MAX_HEADER_COLUMNS = 1000;
export const MAX_HEADER_BYTES = 64 * 1024;

export const EMPTY_FILE_REASON = 'The file is empty';

/** Raised inside a pass that assumed UTF-8 when the bytes are not; the pass restarts as Windows-1252. */
class NotUtf8Error extends Error {
  constructor() {
    super('The file is not valid UTF-8');
    this.name = 'NotUtf8Error';
  }
}

/** Runs the pass, restarting once as Windows-1252 when a file that looked like UTF-8 is not. */
export const scanFile = async (input: ScanInput): Promise<FileScan> => {
  const source = await input.objects.getStream(input.sourceKey);
  try {
    const pieces = source[Symbol.asyncIterator]();
    const head = await readHead(pieces, SNIFF_BYTES);
    const sniff = sniffEncoding(Buffer.concat(head.pieces));
    if (!sniff.ok) throw new FileRejectedError(sniff.reason);
    const all = replay(head, pieces);
    // A byte order mark says UTF-8, so bytes that are not UTF-8 are an error, not a hint to try Windows-1252.
    if (sniff.encoding !== TextEncoding.UTF8 || sniff.hasBom)
      return await runPass(input, all, sniff.encoding, sniff.hasBom);
    try {
      return await runPass(input, all, TextEncoding.UTF8, false);
    } catch (error) {
      if (!(error instanceof NotUtf8Error)) throw error;
    }
  } finally {
    source.destroy();
  }
  const again = await input.objects.getStream(input.sourceKey);
  try {
    return await runPass(input, again, TextEncoding.WINDOWS_1252, false);
  } finally {
    again.destroy();
  }
};

interface Head {
  pieces: Buffer[];
  done: boolean;
}

const asBuffer = (piece: unknown): Buffer => {
  if (Buffer.isBuffer(piece)) return piece;
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.length);
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8');
  throw new TypeError('The object stream yielded something other than bytes');
};

const readHead = async (pieces: AsyncIterator<unknown>, bytes: number): Promise<Head> => {
  const head: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const next = await pieces.next();
    if (next.done) return { pieces: head, done: true };
    const piece = asBuffer(next.value);
    head.push(piece);
    length += piece.length;
  }
  return { pieces: head, done: false };
};

async function* replay(head: Head, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield* head.pieces;
  if (head.done) return;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield asBuffer(next.value);
  }
}

const runPass = async (
  input: ScanInput,
  source: AsyncIterable<unknown> | Readable,
  encoding: TextEncoding,
  hasBom: boolean,
): Promise<FileScan> => {
  const validator = encoding === TextEncoding.UTF8 ? new Utf8Validator() : undefined;
  const transcoder = encoding === TextEncoding.UTF8 ? undefined : new Utf8Transcoder(encoding);
  const sink = transcoder
    ? new UploadSink(input.objects, input.utf8Key, 'text/csv; charset=utf-8')
    : undefined;
  const reader = new CsvFileReader(input.template, input.limits, input.mapping);
  /** Bytes of the upload read so far (before the piece at hand). */
  let consumed = 0;
  const notUtf8 = (raw: Buffer) => {
    if (!hasBom) return new NotUtf8Error();
    // The piece's valid start goes to the reader, which then knows the line the bad byte is on.
    const at = Math.max(0, firstInvalidUtf8(raw));
    reader.push(raw.subarray(0, at));
    return new FileRejectedError(
      `Line ${reader.currentLine().toLocaleString('en-US')} is not valid UTF-8 (byte ${(consumed + at + 1).toLocaleString('en-US')}), but the file starts with a UTF-8 byte order mark: save it as 'CSV UTF-8' and upload that`,
    );
  };
  try {
    const feed = async (data: Buffer) => {
      if (data.length === 0) return;
      const nul = data.indexOf(0);
      if (nul !== -1) {
        reader.push(data.subarray(0, nul));
        throw new FileRejectedError(
          nulByteReason(reader.currentLine(), transcoder ? undefined : consumed + nul + 1),
        );
      }
      if (sink) await sink.write(data);
      reader.push(data);
    };
    for await (const piece of source) {
      const raw = asBuffer(piece);
      if (validator && !validator.push(raw)) throw notUtf8(raw);
      await feed(transcoder ? transcoder.write(raw) : raw);
      consumed += raw.length;
    }
    if (validator && !validator.finish()) throw notUtf8(Buffer.alloc(0));
    if (transcoder) await feed(transcoder.end());
    const result = reader.finish();
    if (sink) await sink.end();
    return {
      ...result,
      encoding,
      dataKey: transcoder ? input.utf8Key : input.sourceKey,
    };
  } catch (error) {
    await sink?.abort();
    throw error;
  }
};

type ReaderResult = Omit<FileScan, 'encoding' | 'dataKey'>;

interface HeaderState {
  delimiter: Delimiter;
  cells: string[];
  match: HeaderMatch;
  keyField: number;
  /** Date columns read from the file, with the reader of each one's order (in `captureFields` order). */
  dateColumns: { column: string; field: number; reader: DateOrderReader }[];
  blank: boolean;
  warnings: string[];
  /** A re-uploaded exceptions report: its cells' formula neutralisation is undone. */
  fromReport: boolean;
}

/**
 * Consumes the UTF-8 bytes of a file in pieces. First it collects the first record to pick the delimiter
 * and read the header; then one `RecordScanner` runs over the rest, feeding the chunk planner and the
 * duplicate-key index.
 */
class CsvFileReader {
  private readonly planner: ChunkPlanner;
  private readonly keys = new KeyIndex();
  /** Bytes from the start of the file, kept until the header record is complete (at most one record). */
  private retained: Buffer[] = [];
  private retainedBytes = 0;
  private retaining = true;
  private delimiter: Delimiter = ',';
  private headerScanner: RecordScanner | undefined;
  private headerEnd: { end: number; nextLine: number } | undefined;
  private header: HeaderState | undefined;
  private dataScanner: RecordScanner | undefined;
  private dataRows = 0;

  constructor(
    private readonly template: TemplateDefinition,
    private readonly limits: ScanLimits,
    private readonly mapping: ColumnMapping | undefined,
  ) {
    this.planner = new ChunkPlanner({ maxRows: limits.chunkMaxRows, maxBytes: limits.chunkMaxBytes });
  }

  push(data: Buffer): void {
    if (this.dataScanner) {
      this.dataScanner.push(data);
      return;
    }
    if (this.retaining) {
      this.retained.push(data);
      this.retainedBytes += data.length;
    }
    if (!this.headerScanner) {
      const sofar = Buffer.concat(this.retained);
      // Wait for the whole first line before picking the delimiter, unless it is already too long.
      if (!sniffHeader(sofar).complete && this.retainedBytes <= this.limits.maxRecordBytes) return;
      this.startHeader(sofar);
      return;
    }
    this.headerScanner.push(data);
    this.afterHeaderPush();
  }

  /** The physical line the bytes pushed so far end on (for reasons that say where a problem is). */
  currentLine(): number {
    const scanner = this.dataScanner ?? this.headerScanner;
    if (scanner) return scanner.currentLine;
    return 1 + this.retained.reduce((sum, piece) => sum + countLineBreaks(piece), 0);
  }

  finish(): ReaderResult {
    if (!this.headerScanner) this.startHeader(Buffer.concat(this.retained));
    if (!this.dataScanner) {
      const end = this.headerScanner?.finish() ?? {};
      if (end.unterminatedQuoteLine !== undefined) throw unterminated(end.unterminatedQuoteLine);
      this.afterHeaderPush();
    }
    const header = this.header;
    if (!this.dataScanner || !header || header.blank) throw new FileRejectedError(EMPTY_FILE_REASON);
    const end = this.dataScanner.finish();
    if (end.unterminatedQuoteLine !== undefined) throw unterminated(end.unterminatedQuoteLine);
    return {
      delimiter: header.delimiter,
      header: header.cells,
      columnMap: header.match.columnMap,
      constants: header.match.constants,
      dateOrders: Object.fromEntries(header.dateColumns.map((date) => [date.column, date.reader.result()])),
      warnings: header.warnings,
      dataRows: this.dataRows,
      chunks: this.planner.finish(),
    };
  }

  private startHeader(sofar: Buffer): void {
    const { delimiter } = sniffHeader(sofar);
    this.delimiter = delimiter;
    // The byte order mark is not part of the first cell: a quote right after it opens a quoted section.
    const bom = utf8BomLength(sofar);
    this.headerScanner = new RecordScanner(
      (record) => {
        if (record.index === 0) this.headerEnd = { end: record.end, nextLine: record.nextLine };
      },
      { delimiter, startOffset: bom },
    );
    this.headerScanner.push(sofar.subarray(bom));
    this.afterHeaderPush();
  }

  /** Once the header record is complete: reads it and starts the data scanner on the bytes after it. */
  private afterHeaderPush(): void {
    const headerEnd = this.headerEnd;
    if (this.dataScanner) return;
    if (!headerEnd) {
      // Still inside the header and already past the record limit: stop keeping its bytes.
      if (this.retainedBytes > this.limits.maxRecordBytes) {
        this.retaining = false;
        this.retained = [];
      }
      return;
    }
    if (!this.retaining || headerEnd.end > this.limits.maxRecordBytes) {
      throw new FileRejectedError(
        `Row 1 (the header) is longer than ${formatSize(this.limits.maxRecordBytes)}, the limit for one row`,
      );
    }
    const bytes = Buffer.concat(this.retained);
    this.retained = [];
    this.retaining = false;
    this.header = this.readHeader(bytes.subarray(0, headerEnd.end), this.delimiter);
    this.dataScanner = new RecordScanner((record) => this.onDataRecord(record), {
      delimiter: this.delimiter,
      keyField: this.header.keyField,
      captureFields: this.header.dateColumns.map((date) => date.field),
      startOffset: headerEnd.end,
      startLine: headerEnd.nextLine,
    });
    this.dataScanner.push(bytes.subarray(headerEnd.end));
  }

  private readHeader(bytes: Buffer, delimiter: Delimiter): HeaderState {
    const cells = parseHeaderCells(bytes, delimiter);
    if (cells.length > MAX_HEADER_COLUMNS) {
      throw new FileRejectedError(
        `The header has ${cells.length.toLocaleString('en-US')} columns; at most ${MAX_HEADER_COLUMNS.toLocaleString('en-US')} are supported`,
      );
    }
    if (bytes.length > MAX_HEADER_BYTES) {
      throw new FileRejectedError(
        `Row 1 (the header) is ${formatSize(bytes.length)}; a header can be at most ${formatSize(MAX_HEADER_BYTES)}`,
      );
    }
    const match = matchHeader(this.template, cells, this.mapping);
    const blank = cells.every(isBlankCell);
    if (!blank) {
      const problem = headerProblem(match, cells);
      if (problem) throw new FileRejectedError(problem);
    }
    return {
      delimiter,
      cells,
      match,
      keyField: match.columnMap.indexOf(this.template.key),
      dateColumns: match.columnMap.flatMap((column, field) =>
        column !== null && this.template.matching[column]?.kind === 'date'
          ? [{ column, field, reader: new DateOrderReader() }]
          : [],
      ),
      blank,
      warnings: unknownColumnWarnings(match.unknown),
      fromReport: isExceptionsReportHeader(cells),
    };
  }

  private onDataRecord(record: ScannedRecord): void {
    const header = this.header;
    if (!header) return;
    if (header.blank) {
      if (record.blank) return;
      throw new FileRejectedError(
        `Row 1 (the header) is blank: put the column names on the first row (data starts on line ${record.line})`,
      );
    }
    const rowNumber = record.index + 2;
    const oversized = record.end - record.start > this.limits.maxRecordBytes;
    let duplicateOf: number | undefined;
    if (!record.blank) {
      this.dataRows += 1;
      if (!oversized) {
        duplicateOf = this.firstRowWithSameKey(rowNumber);
        if (header.dateColumns.length > 0) this.readDates(header, rowNumber);
      }
    }
    this.planner.add({
      start: record.start,
      end: record.end,
      rowNumber,
      blank: record.blank,
      oversized,
      duplicateOf,
    });
  }

  /** Each date column's value, for the order the whole column is written in (DESIGN §9). */
  private readDates(header: HeaderState, rowNumber: number): void {
    header.dateColumns.forEach((date, index) => {
      const raw = this.dataScanner?.fieldText(index);
      if (raw === undefined) return;
      const value = cellValue(raw, header.fromReport);
      if (value !== '') date.reader.add(value, rowNumber);
    });
  }

  private firstRowWithSameKey(rowNumber: number): number | undefined {
    const raw = this.dataScanner?.keyText();
    if (raw === undefined) return undefined;
    const trimmed = cellValue(raw, this.header?.fromReport ?? false);
    if (trimmed === '') return undefined;
    return this.keys.firstRowOf(this.template.normalizeKey(trimmed), rowNumber);
  }
}

const unterminated = (line: number) => new FileRejectedError(`Line ${line}: unterminated quoted field`);

/**
 * Characters that show as nothing (zero-width spaces and joiners, bidi marks and isolates, soft hyphens,
 * BOMs): a column name that contains one looks right in a spreadsheet and still does not match.
 */
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF]/g;

const codePoint = (character: string): string =>
  `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** For each missing column a cell names once its invisible characters are gone: where it is and what hides in it. */
const invisibleNameHints = (missing: readonly string[], cells: readonly string[]): string[] =>
  cells.flatMap((cell, index) => {
    const hidden = cell.match(INVISIBLE);
    if (!hidden || !missing.includes(normalizeHeaderName(cell.replace(INVISIBLE, '')))) return [];
    const which = [...new Set(hidden.map(codePoint))];
    return [
      `column ${index + 1} is ${JSON.stringify(cell)}, which has ${which.length === 1 ? 'an invisible character' : 'invisible characters'} ${which.join(', ')} in its name: retype it`,
    ];
  });

/** Why a header cannot be imported, or undefined when it can. */
const headerProblem = (match: HeaderMatch, cells: readonly string[]): string | undefined => {
  if (match.absentSources.length > 0) {
    const named = match.absentSources.map(({ column, source }) => `${column} from "${source}"`);
    return `The mapping reads ${named.join(', ')}, but the file has no such ${named.length === 1 ? 'column' : 'columns'} (its header: ${listedHeader(cells)})`;
  }
  const missing = match.missingRequired;
  if (missing.length > 0) {
    const hints = invisibleNameHints(missing, cells);
    const hint = hints.length > 0 ? ` (${hints.join('; ')})` : '';
    return missing.length === 1
      ? `Missing required column: ${missing[0]}${hint}`
      : `Missing required columns: ${missing.join(', ')}${hint}`;
  }
  if (match.duplicated.length > 0) {
    return match.duplicated
      .map(
        ({ column, positions }) => `Column ${column} appears more than once (columns ${listed(positions)})`,
      )
      .join('; ');
  }
  return undefined;
};

/** The header's names for a message, the first 20 of a wide one. */
const listedHeader = (cells: readonly string[]): string => {
  const names = cells.map((cell) => cell.trim()).filter((cell) => cell !== '');
  const shown = names.slice(0, 20).join(', ');
  return names.length > 20 ? `${shown}, … and ${names.length - 20} more` : shown;
};

const listed = (positions: readonly number[]): string =>
  positions.length <= 2
    ? positions.join(' and ')
    : `${positions.slice(0, -1).join(', ')} and ${positions[positions.length - 1]}`;

const unknownColumnWarnings = (unknown: readonly string[]): string[] => {
  const shown = unknown
    .slice(0, MAX_UNKNOWN_COLUMN_WARNINGS)
    .map(
      (name) =>
        `Unknown column ignored: ${name.length > MAX_WARNED_NAME_CHARS ? `${name.slice(0, MAX_WARNED_NAME_CHARS)}…` : name}`,
    );
  const more = unknown.length - shown.length;
  return more > 0 ? [...shown, `… and ${more} more`] : shown;
};
