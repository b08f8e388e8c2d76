import {
  isBlankCell,
  RecordScanner,
  type ScanEnd,
  type ScannerOptions,
} from '../../../../lambdas/shared/csv';

interface Seen {
  start: number;
  end: number;
  line: number;
  blank: boolean;
  fields: number;
  key: string | undefined;
}

/** Scans `input` pushed in pieces cut at `cuts` (byte offsets); returns copies of every record. */
const scan = (
  input: string | Buffer,
  options: Partial<ScannerOptions> = {},
  cuts: readonly number[] = [],
): { records: Seen[]; end: ScanEnd } => {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'utf8');
  const records: Seen[] = [];
  const scanner = new RecordScanner(
    (record) =>
      records.push({
        start: record.start,
        end: record.end,
        line: record.line,
        blank: record.blank,
        fields: record.fieldCount,
        key: scanner.keyText(),
      }),
    { delimiter: ',', ...options },
  );
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(from, cut));
    from = cut;
  }
  return { records, end: scanner.finish() };
};

const slices = (input: string, records: readonly Seen[]) =>
  records.map((record) => Buffer.from(input).subarray(record.start, record.end).toString('utf8'));

describe('RecordScanner', () => {
  it('ends records at LF, CRLF and a lone CR, and counts physical lines', () => {
    // Prepare
    const input = 'a,b\nc,d\r\ne,f\rg,h';

    // Act
    const { records, end } = scan(input);

    // Assess
    expect(slices(input, records)).toEqual(['a,b\n', 'c,d\r\n', 'e,f\r', 'g,h']);
    expect(records.map((record) => record.line)).toEqual([1, 2, 3, 4]);
    expect(end).toEqual({});
  });

  it('keeps delimiters, doubled quotes and line breaks inside quotes in one field', () => {
    // Prepare
    const input = 'x,"a,b","say ""hi""","two\r\nlines"\r\nnext,1,2,3\r\n';

    // Act
    const { records } = scan(input, { keyField: 2 });

    // Assess
    expect(slices(input, records)).toEqual(['x,"a,b","say ""hi""","two\r\nlines"\r\n', 'next,1,2,3\r\n']);
    expect(records.map((record) => record.fields)).toEqual([4, 4]);
    expect(records.map((record) => record.key)).toEqual(['say "hi"', '2']);
    expect(records.map((record) => record.line)).toEqual([1, 3]);
  });

  it('reads a quote in the middle of an unquoted field as a literal character', () => {
    // Prepare
    const input = 'O"Brien,5" disk\nnext,row\n';

    // Act
    const { records, end } = scan(input, { keyField: 0 });

    // Assess
    expect(slices(input, records)).toEqual(['O"Brien,5" disk\n', 'next,row\n']);
    expect(records[0]?.key).toBe('O"Brien');
    expect(end).toEqual({});
  });

  it('reads text after a closing quote as part of the same field', () => {
    // Prepare
    const input = '"abc"def,"x"\nnext\n';

    // Act
    const { records } = scan(input, { keyField: 0 });

    // Assess
    expect(records.map((record) => [record.fields, record.key])).toEqual([
      [2, 'abcdef'],
      [1, 'next'],
    ]);
  });

  it('marks empty lines, whitespace lines and rows of bare delimiters as blank', () => {
    // Prepare
    const input = 'a,b\n\n  \t\n,,,\r\n"",""\n" ",x\n';

    // Act
    const { records } = scan(input);

    // Assess
    expect(records.map((record) => record.blank)).toEqual([false, true, true, true, true, false]);
  });

  it('agrees with isBlankCell on what is blank', () => {
    expect(['', '  ', '\t', ' \r\n '].every(isBlankCell)).toBe(true);
    expect(['x', '"', '\u00a0'].some(isBlankCell)).toBe(false);
  });

  it('counts a lone CR and a CRLF inside quotes as one line break each', () => {
    // Prepare
    const input = 'h\r"a\rb\r\nc\nd"\rz\r';

    // Act
    const { records } = scan(input);

    // Assess
    expect(records.map((record) => record.line)).toEqual([1, 2, 6]);
  });

  it('reports the line where an unterminated quote opened', () => {
    // Prepare
    const input = 'h\r\nok\r\nbad,"never\r\nclosed\r\nat all';

    // Act
    const { records, end } = scan(input);

    // Assess
    expect(records).toHaveLength(2);
    expect(end).toEqual({ unterminatedQuoteLine: 3 });
  });

  it('emits a final record without a line break, and nothing for a file ending in one', () => {
    expect(slices('a\nb', scan('a\nb').records)).toEqual(['a\n', 'b']);
    expect(slices('a\nb\n', scan('a\nb\n').records)).toEqual(['a\n', 'b\n']);
    expect(slices('a\r', scan('a\r').records)).toEqual(['a\r']);
  });

  it('finds the same records wherever the input is split: inside quoted newlines, between CR and LF, inside UTF-8 characters', () => {
    // Prepare
    const input = 'name,note\r\n"Zoë","line one\r\nline ""two"""\r\n€uro,,\r\n\r\nlast,"a\rb"\r';
    const whole = scan(input, { keyField: 0 });

    // Act
    const outcomes = Array.from({ length: Buffer.byteLength(input) + 1 }, (_, cut) =>
      scan(input, { keyField: 0 }, [cut]),
    );
    const everyByte = scan(
      input,
      { keyField: 0 },
      Array.from({ length: Buffer.byteLength(input) }, (_, index) => index),
    );

    // Assess
    expect(whole.records.map((record) => record.key)).toEqual(['name', 'Zoë', '€uro', '', 'last']);
    for (const outcome of outcomes) expect(outcome).toEqual(whole);
    expect(everyByte).toEqual(whole);
  });

  it('uses semicolon and tab delimiters, and absolute offsets and lines from where it starts', () => {
    // Prepare
    const input = 'a;"b;c"\tx;d\n';

    // Act
    const semicolon = scan(input, { delimiter: ';', keyField: 1, startOffset: 100, startLine: 7 });
    const tab = scan(input, { delimiter: '\t', keyField: 1 });

    // Assess
    expect(semicolon.records).toEqual([
      { start: 100, end: 100 + input.length, line: 7, blank: false, fields: 3, key: 'b;c\tx' },
    ]);
    expect(tab.records[0]?.key).toBe('x;d');
  });

  it('stops copying a key longer than MAX_KEY_BYTES and reports it as undefined', () => {
    // Prepare
    const input = `${'k'.repeat(20_000)},v\nshort,v\n`;

    // Act
    const { records } = scan(input, { keyField: 0 });

    // Assess
    expect(records.map((record) => record.key)).toEqual([undefined, 'short']);
  });

  it('scans a large input quickly', () => {
    // Prepare
    const row = 'user@example.com,"Ada, Countess",Lovelace,member,+15551234567,Engineering,2024-01-15\r\n';
    const input = Buffer.from(row.repeat(120_000));
    let count = 0;
    const scanner = new RecordScanner(
      () => {
        count += 1;
      },
      { delimiter: ',', keyField: 0 },
    );

    // Act
    const started = performance.now();
    for (let offset = 0; offset < input.length; offset += 65_536)
      scanner.push(input.subarray(offset, offset + 65_536));
    scanner.finish();
    const nsPerByte = ((performance.now() - started) * 1e6) / input.length;

    // Assess: well under 1 µs a byte (typically a few ns), even on a slow CI machine.
    expect(count).toBe(120_000);
    expect(nsPerByte).toBeLessThan(100);
  });
});
