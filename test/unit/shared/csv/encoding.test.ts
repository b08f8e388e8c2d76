import iconv from 'iconv-lite';
import {
  countLineBreaks,
  firstInvalidUtf8,
  formatSize,
  NOT_CSV_REASONS,
  sniffEncoding,
  TextEncoding,
  Utf8Transcoder,
  Utf8Validator,
} from '../../../../lambdas/shared/csv';

const TEXT = 'email,first_name\r\nzoë@example.com,Zoë €\r\n';

describe('sniffEncoding', () => {
  it.each([
    ['UTF-8 without a BOM', Buffer.from(TEXT), { encoding: TextEncoding.UTF8, hasBom: false }],
    ['UTF-8 with a BOM', Buffer.from(`\uFEFF${TEXT}`), { encoding: TextEncoding.UTF8, hasBom: true }],
    [
      'UTF-16 LE with a BOM',
      iconv.encode(TEXT, 'utf16le', { addBOM: true }),
      { encoding: TextEncoding.UTF16LE, hasBom: true },
    ],
    [
      'UTF-16 BE with a BOM',
      Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(TEXT, 'utf16be')]),
      { encoding: TextEncoding.UTF16BE, hasBom: true },
    ],
    [
      'UTF-16 LE without a BOM',
      iconv.encode(TEXT, 'utf16le'),
      { encoding: TextEncoding.UTF16LE, hasBom: false },
    ],
    [
      'UTF-16 BE without a BOM',
      iconv.encode(TEXT, 'utf16be'),
      { encoding: TextEncoding.UTF16BE, hasBom: false },
    ],
  ])('reads %s', (_label, bytes, expected) => {
    expect(sniffEncoding(bytes)).toEqual({ ok: true, ...expected });
  });

  it.each([
    ['an xlsx (zip) file', Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), NOT_CSV_REASONS.xlsx],
    [
      'a legacy xls file',
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]),
      NOT_CSV_REASONS.xls,
    ],
    ['a PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3', 'latin1'), NOT_CSV_REASONS.pdf],
    [
      'binary data with NULs',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x49, 0x48, 0, 7, 1, 0]),
      "Line 1 has a NUL byte at byte 5: this is not a text file (it contains binary data), so it cannot be read as CSV: save it as 'CSV UTF-8' and upload that",
    ],
    [
      'text with a NUL on its third line',
      Buffer.from('a,b\r\nc,d\ne\u0000f\n'),
      "Line 3 has a NUL byte at byte 11: this is not a text file (it contains binary data), so it cannot be read as CSV: save it as 'CSV UTF-8' and upload that",
    ],
    ['a gzip file', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]), NOT_CSV_REASONS.gzip],
  ])('rejects %s with a reason that names it', (_label, bytes, reason) => {
    expect(sniffEncoding(bytes)).toEqual({ ok: false, reason });
  });

  it('tells the admin how to turn a workbook into CSV', () => {
    expect(NOT_CSV_REASONS.xlsx).toBe(
      "This is an Excel workbook (.xlsx) or another zip file, not CSV: save it as 'CSV UTF-8' and upload that",
    );
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['valid text', Buffer.from('a€b😀c'), -1],
    ['a character cut off at the end (it may go on in the next piece)', Buffer.from([0x61, 0xe2, 0x82]), -1],
    ['a lone continuation byte', Buffer.from([0x61, 0x62, 0x80]), 2],
    ['an overlong "/" (C0 AF)', Buffer.from([0x61, 0xc0, 0xaf]), 1],
    ['an overlong three-byte form (E0 80 80)', Buffer.from([0xe0, 0x80, 0x80]), 0],
    ['a UTF-16 surrogate (ED A0 80)', Buffer.from([0x41, 0xed, 0xa0, 0x80]), 1],
    ['a code point past U+10FFFF (F4 90 80 80)', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
    ['Windows-1252 é in ASCII text', Buffer.from([0x4a, 0x6f, 0x73, 0xe9, 0x2c]), 3],
  ])('finds %s', (_label, bytes, expected) => {
    expect(firstInvalidUtf8(bytes)).toBe(expected);
  });
});

describe('countLineBreaks', () => {
  it('counts LF, CRLF and a lone CR as one break each', () => {
    expect(countLineBreaks(Buffer.from('a\nb\r\nc\rd\r\r\n'))).toBe(5);
  });
});

describe('Utf8Validator', () => {
  it('accepts valid UTF-8 split inside a multi-byte character at every position', () => {
    // Prepare
    const bytes = Buffer.from('a€b😀c');

    // Act
    const verdicts = Array.from({ length: bytes.length + 1 }, (_, cut) => {
      const validator = new Utf8Validator();
      return (
        validator.push(bytes.subarray(0, cut)) && validator.push(bytes.subarray(cut)) && validator.finish()
      );
    });

    // Assess
    expect(verdicts.every(Boolean)).toBe(true);
  });

  it('accepts valid UTF-8 pushed one byte at a time', () => {
    const validator = new Utf8Validator();
    const bytes = Buffer.from('€😀é');
    const verdicts = [...bytes].map((byte) => validator.push(Uint8Array.of(byte)));
    expect(verdicts.every(Boolean) && validator.finish()).toBe(true);
  });

  it('rejects Windows-1252 bytes, a broken sequence across pieces, and a truncated end', () => {
    expect(new Utf8Validator().push(iconv.encode('café,x', 'windows1252'))).toBe(false);

    const split = new Utf8Validator();
    expect(split.push(Buffer.from([0x61, 0xe2, 0x82]))).toBe(true);
    expect(split.push(Buffer.from([0x41]))).toBe(false);

    const truncated = new Utf8Validator();
    expect(truncated.push(Buffer.from([0x61, 0xe2, 0x82]))).toBe(true);
    expect(truncated.finish()).toBe(false);
  });
});

describe('Utf8Transcoder', () => {
  it('turns UTF-16 split anywhere into UTF-8 without the BOM', () => {
    // Prepare
    const bytes = iconv.encode(TEXT, 'utf16le', { addBOM: true });

    // Act
    const outputs = [1, 2, 3, 7, 22, bytes.length - 1].map((cut) => {
      const transcoder = new Utf8Transcoder(TextEncoding.UTF16LE);
      return Buffer.concat([
        transcoder.write(bytes.subarray(0, cut)),
        transcoder.write(bytes.subarray(cut)),
        transcoder.end(),
      ]).toString('utf8');
    });

    // Assess
    expect(new Set(outputs)).toEqual(new Set([TEXT]));
  });

  it.each([TextEncoding.UTF16LE, TextEncoding.UTF16BE])(
    'keeps a character outside the BMP whole when a piece of %s ends between its two halves',
    (encoding) => {
      // Prepare: "a😀b"; the emoji is the surrogate pair at bytes 4–7 (after the BOM and "a").
      const bytes = iconv.encode('a😀b', encoding === TextEncoding.UTF16LE ? 'utf16le' : 'utf16be', {
        addBOM: true,
      });
      const transcoder = new Utf8Transcoder(encoding);

      // Act: cut between the high and the low surrogate.
      const output = Buffer.concat([
        transcoder.write(bytes.subarray(0, 6)),
        transcoder.write(bytes.subarray(6)),
        transcoder.end(),
      ]);

      // Assess
      expect(output.toString('utf8')).toBe('a😀b');
    },
  );

  it('reads Windows-1252 é and €', () => {
    const transcoder = new Utf8Transcoder(TextEncoding.WINDOWS_1252);
    const output = transcoder.write(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x80]));
    expect(output.toString('utf8')).toBe('café €');
  });
});

describe('formatSize', () => {
  it('rounds up so a size over a limit never reads as the limit', () => {
    expect(formatSize(241_172_480)).toBe('230 MB');
    expect(formatSize(209_715_200)).toBe('200 MB');
    expect(formatSize(209_715_201)).toBe('200.1 MB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(300)).toBe('300 bytes');
  });
});
