/**
 * Groups scanned records into chunks: byte ranges that always start and end at record boundaries, each
 * closed at `maxRows` records or before it would pass `maxBytes`. Oversized records stay in their chunk's
 * range (so row numbers run on) but count no bytes: the chunk worker fetches around them.
 */

export interface PlannedRecord {
  start: number;
  end: number;
  rowNumber: number;
  blank: boolean;
  oversized: boolean;
  /** First row with the same key, when this record repeats one. */
  duplicateOf: number | undefined;
}

export interface PlannedChunk {
  start: number;
  end: number;
  firstRowNumber: number;
  /** Records in the range, blank ones included. */
  records: number;
  /** Row numbers of the blank records in the range (rare: blank lines and all-empty rows). */
  blankRows: number[];
  /** Bytes the chunk worker fetches (oversized records excluded). */
  bytes: number;
  /** Flat pairs: row, first row with its key. Flat numbers keep 2 M rows' worth small. */
  duplicates: number[];
  oversized: { rowNumber: number; start: number; end: number }[];
}

export interface ChunkLimits {
  maxRows: number;
  maxBytes: number;
}

export class ChunkPlanner {
  private readonly chunks: PlannedChunk[] = [];
  private current: PlannedChunk | undefined;

  constructor(private readonly limits: ChunkLimits) {}

  add(record: PlannedRecord): void {
    const length = record.oversized ? 0 : record.end - record.start;
    if (this.current && this.current.bytes + length > this.limits.maxBytes) this.close();
    const chunk = this.current ?? this.open(record);
    chunk.end = record.end;
    chunk.records += 1;
    chunk.bytes += length;
    if (record.blank) chunk.blankRows.push(record.rowNumber);
    if (record.duplicateOf !== undefined) chunk.duplicates.push(record.rowNumber, record.duplicateOf);
    if (record.oversized) {
      chunk.oversized.push({ rowNumber: record.rowNumber, start: record.start, end: record.end });
    }
    if (chunk.records >= this.limits.maxRows) this.close();
  }

  /** Every chunk, in file order. */
  finish(): PlannedChunk[] {
    this.close();
    return this.chunks;
  }

  private open(record: PlannedRecord): PlannedChunk {
    this.current = {
      start: record.start,
      end: record.end,
      firstRowNumber: record.rowNumber,
      records: 0,
      blankRows: [],
      bytes: 0,
      duplicates: [],
      oversized: [],
    };
    return this.current;
  }

  private close(): void {
    if (this.current) this.chunks.push(this.current);
    this.current = undefined;
  }
}
