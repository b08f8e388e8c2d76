import type { Delimiter } from '../model';

/**
 * The one quote-aware byte scanner both pipeline stages use, so validate-file's chunk boundaries and row
 * numbers are exactly the ones process-chunk sees.
 *
 * Dialect: RFC 4180 with the leniency real files need. A quote at the start of a field opens a quoted
 * section, `""` inside it is a literal quote and a line break inside it belongs to the value; a quote
 * anywhere else is a literal character; a record ends at LF, CRLF or a lone CR. Input may arrive in
 * pieces split at any byte (inside a UTF-8 character, between CR and LF): the scanner works on bytes and
 * keeps its state between pieces. It never buffers a record; only the key field's bytes (and any captured fields') are copied, up to
 * `MAX_KEY_BYTES`.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

// Scanner states. Plain numbers rather than an object map: they are compared once per byte.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
/** A quote seen inside a quoted section: the next byte says whether it was `""` or the closing quote. */
const QUOTE_IN_QUOTED = 3;
/** A CR ended the record; an LF right after it still belongs to that record. */
const AFTER_CR = 4;

/** Longest key value the scanner copies; a longer key is reported as undefined (not deduplicated). */
export const MAX_KEY_BYTES = 16 * 1024;

/**
 * One record as the scanner saw it. The scanner reuses one object for every record: read it inside the
 * callback, copy what you keep.
 */
export interface ScannedRecord {
  /** 0-based position among the records this scanner has emitted. */
  index: number;
  /** Absolute byte offsets: `start` inclusive, `end` exclusive, the line break included. */
  start: number;
  end: number;
  /** Physical line (1-based) the record starts on, and the line the next record starts on. */
  line: number;
  nextLine: number;
  /** Every cell is empty or whitespace (`,,,` as Excel writes it counts as blank). */
  blank: boolean;
  fieldCount: number;
}

export interface ScannerOptions {
  delimiter: Delimiter;
  /** 0-based field whose unquoted value `keyText()` returns during the callback. */
  keyField?: number;
  /** More 0-based fields whose values `fieldText(i)` returns during the callback (the i-th of them). */
  captureFields?: readonly number[];
  /** Absolute offset of the first byte pushed (when scanning a range of a file). */
  startOffset?: number;
  /** Line number of the first byte pushed. */
  startLine?: number;
}

/** How the input ended. */
export interface ScanEnd {
  /** Set when the input ended inside a quoted section: the line where that quote opened. */
  unterminatedQuoteLine?: number;
}

export type RecordCallback = (record: ScannedRecord) => void;

/**
 * True when a parsed cell would have left its record blank in the scanner's eyes: only spaces, tabs and
 * line breaks. Process-chunk relies on the scanner's verdict, so the two must accept the same bytes.
 */
export const isBlankCell = (cell: string): boolean => /^[ \t\r\n]*$/.test(cell);

const DELIMITER_BYTE: Record<Delimiter, number> = { ',': 0x2c, ';': 0x3b, '\t': TAB };

export class RecordScanner {
  private readonly delimiterByte: number;
  /** Field → slot of the copied fields (key first), −1 for a field not copied. */
  private readonly slotOf: Int32Array;
  private readonly hasKey: boolean;
  private readonly slotBytes: Buffer[];
  private readonly slotLengths: Int32Array;
  private readonly slotOverflow: Uint8Array;
  private readonly slotFields: number[];
  private readonly record: ScannedRecord;

  private state = FIELD_START;
  private offset: number;
  private line: number;
  private recordStart: number;
  private recordLine: number;
  private recordIndex = 0;
  private field = 0;
  private nonBlank = false;
  private lastWasCr = false;
  private quoteLine = 0;

  constructor(
    private readonly onRecord: RecordCallback,
    options: ScannerOptions,
  ) {
    this.delimiterByte = DELIMITER_BYTE[options.delimiter];
    const keyField = options.keyField ?? -1;
    this.hasKey = keyField >= 0;
    this.slotFields = [...(this.hasKey ? [keyField] : []), ...(options.captureFields ?? [])].filter(
      (field) => field >= 0,
    );
    this.slotOf = new Int32Array(Math.max(0, ...this.slotFields.map((field) => field + 1))).fill(-1);
    // A field copied twice (the key also captured) is copied once, into the first slot that asked for it.
    this.slotFields.forEach((field, slot) => {
      if ((this.slotOf[field] ?? -1) < 0) this.slotOf[field] = slot;
    });
    this.slotBytes = this.slotFields.map(() => Buffer.alloc(MAX_KEY_BYTES));
    this.slotLengths = new Int32Array(this.slotFields.length);
    this.slotOverflow = new Uint8Array(this.slotFields.length);
    this.offset = options.startOffset ?? 0;
    this.line = options.startLine ?? 1;
    this.recordStart = this.offset;
    this.recordLine = this.line;
    this.record = { index: 0, start: 0, end: 0, line: 0, nextLine: 0, blank: true, fieldCount: 0 };
  }

  /**
   * The key field of the record being reported: unquoted (`""` read as `"`), decoded as UTF-8, untrimmed.
   * Only meaningful inside the callback; undefined when the record has no such field or it is too long.
   */
  keyText(): string | undefined {
    return this.hasKey ? this.slotText(0) : undefined;
  }

  /** Like `keyText`, for the i-th of `captureFields`. */
  fieldText(index: number): string | undefined {
    const field = this.slotFields[(this.hasKey ? 1 : 0) + index];
    if (field === undefined) return undefined;
    return this.slotText(this.slotOf[field] ?? -1);
  }

  private slotText(slot: number): string | undefined {
    const field = this.slotFields[slot];
    if (field === undefined || this.slotOverflow[slot] || this.record.fieldCount <= field) return undefined;
    return this.slotBytes[slot]?.toString('utf8', 0, this.slotLengths[slot]);
  }

  /** The physical line (1-based) the input pushed so far ends on. */
  get currentLine(): number {
    return this.line;
  }

  /** Scans the next piece of input. */
  push(bytes: Uint8Array): void {
    // Hot loop: state lives in locals and is written back before every callback and at the end.
    const base = this.offset;
    const delimiter = this.delimiterByte;
    const slotOf = this.slotOf;
    const copied = slotOf.length;
    let state = this.state;
    let line = this.line;
    let field = this.field;
    let nonBlank = this.nonBlank;
    let lastWasCr = this.lastWasCr;

    const length = bytes.length;
    for (let i = 0; i < length; i += 1) {
      const byte = bytes[i] ?? 0;

      if (state === AFTER_CR) {
        const end = byte === LF ? base + i + 1 : base + i;
        this.line = line;
        this.emit(end, field, nonBlank);
        state = FIELD_START;
        field = 0;
        nonBlank = false;
        if (byte === LF) continue;
      }

      if (state === QUOTED) {
        if (byte === QUOTE) {
          state = QUOTE_IN_QUOTED;
          continue;
        }
        if (byte === LF) {
          if (!lastWasCr) line += 1;
          lastWasCr = false;
        } else if (byte === CR) {
          line += 1;
          lastWasCr = true;
        } else {
          // Plain quoted text: run through it to the next quote or line break in one go.
          lastWasCr = false;
          const slot = field < copied ? (slotOf[field] ?? -1) : -1;
          let next = byte;
          do {
            if (!nonBlank && next !== SPACE && next !== TAB) nonBlank = true;
            if (slot >= 0) this.append(slot, next);
            i += 1;
            next = i < length ? (bytes[i] ?? 0) : QUOTE;
          } while (next !== QUOTE && next !== LF && next !== CR);
          // Step back: the loop's increment lands on the byte that stopped the run.
          i -= 1;
          continue;
        }
        if (field < copied && (slotOf[field] ?? -1) >= 0) this.append(slotOf[field] ?? 0, byte);
        continue;
      }

      if (state === QUOTE_IN_QUOTED) {
        if (byte === QUOTE) {
          // `""` inside quotes: one literal quote, and the section goes on.
          state = QUOTED;
          nonBlank = true;
          lastWasCr = false;
          if (field < copied && (slotOf[field] ?? -1) >= 0) this.append(slotOf[field] ?? 0, QUOTE);
          continue;
        }
        // The quote closed the section; whatever follows is read as unquoted text.
        state = UNQUOTED;
      }

      if (state === FIELD_START) {
        if (byte === QUOTE) {
          state = QUOTED;
          this.quoteLine = line;
          lastWasCr = false;
          continue;
        }
        state = UNQUOTED;
      }

      if (byte === delimiter) {
        field += 1;
        state = FIELD_START;
      } else if (byte === LF) {
        line += 1;
        this.line = line;
        this.emit(base + i + 1, field, nonBlank);
        state = FIELD_START;
        field = 0;
        nonBlank = false;
      } else if (byte === CR) {
        line += 1;
        state = AFTER_CR;
      } else {
        // Plain unquoted text: run through it to the next delimiter or line break in one go.
        const slot = field < copied ? (slotOf[field] ?? -1) : -1;
        let next = byte;
        do {
          if (!nonBlank && next !== SPACE && next !== TAB) nonBlank = true;
          if (slot >= 0) this.append(slot, next);
          i += 1;
          next = i < length ? (bytes[i] ?? 0) : LF;
        } while (next !== delimiter && next !== LF && next !== CR);
        i -= 1;
      }
    }

    this.offset = base + length;
    this.state = state;
    this.line = line;
    this.field = field;
    this.nonBlank = nonBlank;
    this.lastWasCr = lastWasCr;
  }

  /** Ends the input: reports the last record (one without a line break) or an unterminated quote. */
  finish(): ScanEnd {
    if (this.state === QUOTED) return { unterminatedQuoteLine: this.quoteLine };
    if (this.state === AFTER_CR || this.offset > this.recordStart) {
      this.emit(this.offset, this.field, this.nonBlank);
      this.state = FIELD_START;
      this.field = 0;
      this.nonBlank = false;
    }
    return {};
  }

  private append(slot: number, byte: number): void {
    const length = this.slotLengths[slot] ?? 0;
    if (length >= MAX_KEY_BYTES) {
      this.slotOverflow[slot] = 1;
      return;
    }
    const bytes = this.slotBytes[slot];
    if (bytes) bytes[length] = byte;
    this.slotLengths[slot] = length + 1;
  }

  private emit(end: number, field: number, nonBlank: boolean): void {
    const record = this.record;
    record.index = this.recordIndex;
    record.start = this.recordStart;
    record.end = end;
    record.line = this.recordLine;
    record.nextLine = this.line;
    record.blank = !nonBlank;
    record.fieldCount = field + 1;
    this.recordIndex += 1;
    this.recordStart = end;
    // `this.line` already counts the record's line break, so it is where the next record starts.
    this.recordLine = this.line;
    this.onRecord(record);
    if (this.slotFields.length > 0) {
      this.slotLengths.fill(0);
      this.slotOverflow.fill(0);
    }
  }
}
