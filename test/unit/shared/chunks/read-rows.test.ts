import { parse } from 'csv-parse/sync';
import { readChunkRows } from '../../../../lambdas/shared/chunks/read-rows';
import type { Delimiter, PlannedChunk } from '../../../../lambdas/shared/model';
import { FakeObjectStore } from '../../../helpers/fakes';

const DATA_KEY = 'work/import-1/data.csv';

/** A message covering the whole of `text` as one chunk starting at row 2. */
const chunkOf = async (text: string, delimiter: Delimiter = ',') => {
  const objects = new FakeObjectStore();
  await objects.put(DATA_KEY, text, 'text/csv');
  const message: PlannedChunk = {
    kind: 'chunk',
    importId: 'import-1',
    templateId: 'users',
    chunkIndex: 0,
    chunkCount: 1,
    dataKey: DATA_KEY,
    start: 0,
    end: Buffer.byteLength(text),
    firstRowNumber: 2,
    delimiter,
    header: ['a', 'b', 'c'],
    columnMap: ['a', 'b', 'c'],
    duplicates: [],
    oversized: [],
  };
  return { objects, message };
};

/** What csv-parse makes of each line on its own, with the options process-chunk reads records with. */
const csvParseCells = (lines: readonly string[], delimiter: Delimiter) =>
  lines.map(
    (line) =>
      parse(line, { delimiter, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true })[0] ?? [],
  );

describe('readChunkRows', () => {
  it.each<[string, Delimiter, string[], string]>([
    ['CRLF, empty and padded cells', ',', ['a1,,c1 ', ' a2,b2,', ',,x'], '\r\n'],
    ['LF and a last line without a break', ',', ['a,b,c', 'd,e'], '\n'],
    ['lone CR line ends', ',', ['a,b,c', 'd,e,f'], '\r'],
    ['non-ASCII text', ',', ['Zoë,Ångström,😀', 'naïve,café,x'], '\r\n'],
    ['semicolons', ';', ['a;b,c;d', 'e;;f'], '\r\n'],
    ['tabs', '\t', ['a\tb c\td', 'x\t\ty'], '\n'],
  ])(
    'splits records without quotes exactly as csv-parse reads them (%s)',
    async (_case, delimiter, lines, eol) => {
      // Prepare
      const text = lines
        .map((line, index) => (index < lines.length - 1 || eol === '\n' ? `${line}${eol}` : line))
        .join('');
      const { objects, message } = await chunkOf(text, delimiter);

      // Act
      const rows = await readChunkRows(objects, message, 1024 * 1024);

      // Assess
      expect(rows.map((row) => (row.kind === 'cells' ? row.cells : row.kind))).toEqual(
        csvParseCells(lines, delimiter),
      );
    },
  );

  it('reads quoted values with csv-parse in the middle of plain records, keeping row numbers', async () => {
    // Prepare
    const { objects, message } = await chunkOf('a,b,c\r\n"x, y","multi\r\nline","q""uote"\r\n\r\nd,e,f\r\n');

    // Act
    const rows = await readChunkRows(objects, message, 1024 * 1024);

    // Assess: the blank record keeps its row number (5) but yields no row.
    expect(rows).toEqual([
      { kind: 'cells', rowNumber: 2, cells: ['a', 'b', 'c'] },
      { kind: 'cells', rowNumber: 3, cells: ['x, y', 'multi\r\nline', 'q"uote'] },
      { kind: 'cells', rowNumber: 5, cells: ['d', 'e', 'f'] },
    ]);
  });

  it('reads the good quoted records of a range even when another one is malformed', async () => {
    // Prepare: csv-parse reads a range's quoted records together; one bad record must not spoil the rest.
    const { objects, message } = await chunkOf(
      '"a, 1",b,c\r\n"bad"x,y,z\r\nplain,row,here\r\n"c",d,"e\r\nf"\r\n',
    );

    // Act
    const rows = await readChunkRows(objects, message, 1024 * 1024);

    // Assess
    expect(rows.map((row) => row.kind)).toEqual(['cells', 'malformed', 'cells', 'cells']);
    expect(rows[0]).toEqual({ kind: 'cells', rowNumber: 2, cells: ['a, 1', 'b', 'c'] });
    expect(rows[3]).toEqual({ kind: 'cells', rowNumber: 5, cells: ['c', 'd', 'e\r\nf'] });
  });

  it('keeps a quote inside an unquoted value as a literal character, as the scanner does', async () => {
    // Prepare
    const { objects, message } = await chunkOf('5" floppy,b,c\r\n');

    // Act
    const rows = await readChunkRows(objects, message, 1024 * 1024);

    // Assess
    expect(rows).toEqual([{ kind: 'cells', rowNumber: 2, cells: ['5" floppy', 'b', 'c'] }]);
  });
});
