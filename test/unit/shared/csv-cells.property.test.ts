import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { cellValue, neutralizeFormula, restoreNeutralized } from '../../../lambdas/shared/csv-cells';
import { exceptionLine, exceptionsHeaderLine, REPORT_BOM } from '../../../lambdas/shared/reports';

/**
 * The formula neutralisation of reports is a law, so it is tested as one (fast-check): for any cell value,
 * neutralising then restoring gives the value back, and no piece of a neutralised cell a spreadsheet could
 * split off starts a formula.
 */

// Strings dense in what matters: triggers, apostrophes, separators, quotes, line breaks, and any other text.
const cellText = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', "'", ';', ',', '"', ' ') },
    { weight: 3, arbitrary: fc.constantFrom('a', '1', 'é', '😀') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 40,
});

const STARTS_A_FORMULA = /^[=+\-@\t\r]/;

describe('report cells: neutralise and restore', () => {
  it('restores every value exactly', () => {
    fc.assert(
      fc.property(cellText, (value) => {
        expect(restoreNeutralized(neutralizeFormula(value))).toBe(value);
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves no cell, nor any piece after a ; or a tab, that a spreadsheet would run as a formula', () => {
    fc.assert(
      fc.property(cellText, (value) => {
        const safe = neutralizeFormula(value);
        expect(safe).not.toMatch(STARTS_A_FORMULA);
        for (const piece of safe.split(/[;\t]/)) expect(piece).not.toMatch(/^[=+\-@\r]/);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps a genuine leading apostrophe through the trip ("\'-5" typed on purpose)', () => {
    expect(neutralizeFormula("'-5")).toBe("''-5");
    expect(restoreNeutralized("''-5")).toBe("'-5");
    expect(neutralizeFormula('x;=1+1')).toBe("x;'=1+1");
    expect(neutralizeFormula("it's fine")).toBe("it's fine");
  });

  it('re-imports any row from the exceptions report, read back as a spreadsheet reads CSV, as first read', () => {
    const header = ['email', 'first_name', 'last_name', 'role'];
    fc.assert(
      fc.property(fc.array(cellText, { minLength: 4, maxLength: 4 }), (cells) => {
        const report =
          REPORT_BOM +
          exceptionsHeaderLine(header) +
          exceptionLine(header, cells, [{ rowNumber: 2, errorType: 'REQUIRED', message: 'x' }]);
        const [readHeader, row] = parse(report, { bom: true }) as string[][];
        expect(readHeader?.slice(-3)).toEqual(['row_number', 'error_type', 'error_message']);
        expect(row?.slice(0, 4).map((cell) => cellValue(cell, true))).toEqual(
          cells.map((cell) => cellValue(cell, false)),
        );
      }),
      { numRuns: 3000 },
    );
  });
});
