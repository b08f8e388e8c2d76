import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import type { TextEncoding } from './sniff';

/** Streaming UTF-8 validation and transcoding to UTF-8 (Node only; the sniffing is in `sniff.ts`). */

/**
 * Checks a stream of pieces for valid UTF-8 without decoding it. A character split across two pieces is
 * held back (at most 3 bytes) and checked once complete.
 */
export class Utf8Validator {
  private readonly pending = new Uint8Array(4);
  private pendingLength = 0;
  private pendingNeeded = 0;

  /** False as soon as the bytes seen so far cannot be UTF-8. */
  push(bytes: Uint8Array): boolean {
    let from = 0;
    if (this.pendingLength > 0) {
      const take = Math.min(this.pendingNeeded - this.pendingLength, bytes.length);
      this.pending.set(bytes.subarray(0, take), this.pendingLength);
      this.pendingLength += take;
      from = take;
      if (this.pendingLength < this.pendingNeeded) return true;
      if (!isUtf8(this.pending.subarray(0, this.pendingNeeded))) return false;
      this.pendingLength = 0;
    }
    const cut = incompleteTailStart(bytes, from);
    if (!isUtf8(bytes.subarray(from, cut))) return false;
    if (cut < bytes.length) {
      const lead = bytes[cut] ?? 0;
      this.pending.set(bytes.subarray(cut), 0);
      this.pendingLength = bytes.length - cut;
      this.pendingNeeded = sequenceLength(lead);
    }
    return true;
  }

  /** False when the input ended in the middle of a character. */
  finish(): boolean {
    return this.pendingLength === 0;
  }
}

const sequenceLength = (lead: number): number => {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
};

/** Where a character that continues in the next piece starts, or `bytes.length` if none does. */
const incompleteTailStart = (bytes: Uint8Array, from: number): number => {
  for (let back = 1; back <= 3 && bytes.length - back >= from; back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    // Continuation bytes (10xxxxxx) say nothing yet: keep looking for the lead byte.
    if ((byte & 0xc0) === 0x80) continue;
    return sequenceLength(byte) > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
};

const ICONV_NAMES = {
  'utf-8': 'utf8',
  'utf-16le': 'utf16le',
  'utf-16be': 'utf16be',
  'windows-1252': 'windows1252',
} as const satisfies Record<TextEncoding, iconv.Encoding>;

/**
 * Turns pieces of a file in `encoding` into UTF-8 pieces, keeping characters split across pieces intact
 * (iconv-lite's decoders are stateful). A byte order mark is dropped: the output is plain UTF-8.
 *
 * A decoder may end a piece's text between the two halves of a surrogate pair (iconv-lite's UTF-16 BE
 * decoder does, when a piece ends between them); encoding that half alone would write U+FFFD, so a trailing
 * high surrogate waits for the next piece.
 */
export class Utf8Transcoder {
  private readonly decoder: iconv.DecoderStream;
  private pendingHigh = '';

  constructor(readonly encoding: TextEncoding) {
    this.decoder = iconv.getDecoder(ICONV_NAMES[encoding], { stripBOM: true });
  }

  write(bytes: Uint8Array): Buffer {
    return this.toUtf8(this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)), false);
  }

  end(): Buffer {
    return this.toUtf8(this.decoder.end() ?? '', true);
  }

  private toUtf8(decoded: string, last: boolean): Buffer {
    let text = this.pendingHigh + decoded;
    this.pendingHigh = '';
    const tail = text.charCodeAt(text.length - 1);
    if (!last && tail >= 0xd800 && tail <= 0xdbff) {
      this.pendingHigh = text.slice(-1);
      text = text.slice(0, -1);
    }
    return Buffer.from(text, 'utf8');
  }
}
