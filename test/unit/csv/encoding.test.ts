import iconv from 'iconv-lite';
import {
  formatSize,
  NOT_CSV_REASONS,
  sniffEncoding,
  TextEncoding,
  Utf8Transcoder,
  Utf8Validator,
} from '../../../lambdas/shared/csv';

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
      NOT_CSV_REASONS.binary,
    ],
  ])('rejects %s with a reason that names it', (_label, bytes, reason) => {
    expect(sniffEncoding(bytes)).toEqual({ ok: false, reason });
  });

  it('tells the admin how to turn a workbook into CSV', () => {
    expect(NOT_CSV_REASONS.xlsx).toBe(
      "This is an Excel workbook (.xlsx) or another zip file, not CSV: save it as 'CSV UTF-8' and upload that",
    );
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
