import { sniffEncoding, TextEncoding } from '../shared/csv/sniff';

/**
 * Whether a part sent as base64 really is base64, checked on its encoded bytes as they stream past.
 * Decoders (mailparser's included) skip whatever is not in the alphabet and stop at a stray `=`, so a
 * damaged attachment decodes to a few wrong bytes without any error: this says what is wrong and where.
 */

const CR = 0x0d;
const LF = 0x0a;
const PAD = 0x3d; // '='

const isAlphabet = (byte: number): boolean =>
  (byte >= 0x41 && byte <= 0x5a) || // A-Z
  (byte >= 0x61 && byte <= 0x7a) || // a-z
  (byte >= 0x30 && byte <= 0x39) || // 0-9
  byte === 0x2b || // +
  byte === 0x2f; // /

const isSpace = (byte: number): boolean => byte === 0x20 || byte === 0x09 || byte === CR || byte === LF;

/** A byte as an admin can find it: the character when it is printable ASCII, its code otherwise. */
export const showByte = (byte: number): string =>
  byte > 0x20 && byte < 0x7f
    ? `"${String.fromCharCode(byte)}"`
    : `the byte 0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;

export class Base64Check {
  private line = 1;
  private column = 0;
  private data = 0;
  private padding = 0;
  private problem: string | undefined;

  /** Feeds the next encoded bytes; after the first problem the rest is ignored. */
  write(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.problem !== undefined) return;
      if (byte === LF) {
        this.line += 1;
        this.column = 0;
        continue;
      }
      this.column += 1;
      if (isSpace(byte)) continue;
      if (byte === PAD) {
        this.padding += 1;
      } else if (!isAlphabet(byte)) {
        this.problem = `line ${this.line.toLocaleString('en-US')}, character ${this.column.toLocaleString('en-US')} of its content is ${showByte(byte)}, which base64 does not use`;
      } else if (this.padding > 0) {
        this.problem = `its content goes on after base64's end marker "=" (line ${this.line.toLocaleString('en-US')}): two pieces were joined or the text was damaged`;
      } else {
        this.data += 1;
      }
    }
  }

  /** What is wrong, in words that complete "it was sent as base64, but …"; undefined when nothing is. */
  finish(): string | undefined {
    if (this.problem !== undefined) return this.problem;
    const padded = this.padding > 0;
    const total = this.data + this.padding;
    // Unpadded base64 is common enough to accept; a lone character left over never makes a byte.
    if (this.data % 4 === 1 || this.padding > 2 || (padded && total % 4 !== 0)) {
      return `its content ends part-way through (${this.data.toLocaleString('en-US')} base64 characters do not make whole bytes): it was cut short or damaged`;
    }
    return undefined;
  }
}

/**
 * Whether the first bytes decoded from base64 are binary rather than text: the first control character
 * no text file has, as "byte N is …". Files that validation recognises and names (gzip, zip, PDF, Excel,
 * UTF-16, NUL bytes) are left to it, so its reason says what they are.
 */
export const binaryAfterDecoding = (head: Uint8Array): string | undefined => {
  const sniff = sniffEncoding(head);
  if (!sniff.ok || sniff.encoding !== TextEncoding.UTF8) return undefined;
  for (const [index, byte] of head.entries()) {
    const control =
      (byte < 0x20 && byte !== 0x09 && byte !== LF && byte !== CR && byte !== 0x0c) || byte === 0x7f;
    if (control) {
      return `byte ${(index + 1).toLocaleString('en-US')} is the control character 0x${byte.toString(16).padStart(2, '0').toUpperCase()}`;
    }
  }
  return undefined;
};
