import { parseHeaderCells, sniffHeader } from '../../../../lambdas/shared/csv';

describe('sniffHeader', () => {
  it.each([
    ['email,first_name,last_name\r\n', ','],
    ['email;first_name;last_name\n', ';'],
    ['email\tfirst_name\tlast_name\n', '\t'],
    // Delimiters inside quotes do not count.
    ['"a;b;c;d",x,y\n', ','],
    ['"say ""a,b,c"""; x; y\n', ';'],
    // A tie goes to the comma.
    ['a,b;c\n', ','],
    // One column: comma.
    ['email\n', ','],
  ] as const)('picks the delimiter of %j', (line, delimiter) => {
    expect(sniffHeader(Buffer.from(line))).toEqual({ delimiter, complete: true });
  });

  it('reads a quote right after a UTF-8 byte order mark as opening the first cell', () => {
    expect(sniffHeader(Buffer.from('\uFEFF"a,b,c";x;y\n'))).toEqual({ delimiter: ';', complete: true });
  });

  it('says when the first line has not ended yet', () => {
    expect(sniffHeader(Buffer.from('email;first_na'))).toEqual({ delimiter: ';', complete: false });
    expect(sniffHeader(Buffer.from('"multi\nline";x'))).toEqual({ delimiter: ';', complete: false });
  });
});

describe('parseHeaderCells', () => {
  it('reads cells as written, without the BOM, tolerating stray quotes', () => {
    expect(parseHeaderCells(Buffer.from('\uFEFFEmail; "First Name" ;x"y\r\n'), ';')).toEqual([
      'Email',
      ' "First Name" ',
      'x"y',
    ]);
  });

  it('unquotes a first cell that follows the BOM', () => {
    expect(parseHeaderCells(Buffer.from('\uFEFF"email","first, name"\n'), ',')).toEqual([
      'email',
      'first, name',
    ]);
  });
});
