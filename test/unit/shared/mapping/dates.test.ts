import fc from 'fast-check';
import {
  columnOrderProblem,
  DateOrderReader,
  dateProblem,
  readDate,
  toIsoDate,
} from '../../../../lambdas/shared/mapping/dates';

const readColumn = (values: readonly string[]) => {
  const reader = new DateOrderReader();
  values.forEach((value, index) => {
    reader.add(value, index + 2);
  });
  return reader.result();
};

describe('readDate', () => {
  it.each([
    ['03/04/2024', 'MDY', '2024-03-04'],
    ['03/04/2024', 'DMY', '2024-04-03'],
    ['04.03.2024', 'DMY', '2024-03-04'],
    ['2024/03/04', 'YMD', '2024-03-04'],
    ['3/4/2024', 'MDY', '2024-03-04'],
    ['4 3 2024', 'DMY', '2024-03-04'],
    ['29-02-2024', 'DMY', '2024-02-29'],
    // Two-digit years: 00–29 are 2000–2029, 30–99 are 1930–1999 (Excel's and LibreOffice's default).
    ['3/4/24', 'MDY', '2024-03-04'],
    ['3/4/29', 'MDY', '2029-03-04'],
    ['3/4/30', 'MDY', '1930-03-04'],
    ['31.12.99', 'DMY', '1999-12-31'],
  ] as const)('%s read %s is %s', (value, order, iso) => {
    expect(readDate(value, order)).toBe(iso);
  });

  it.each([
    ['29-02-2023', 'DMY'],
    ['13/01/2024', 'MDY'],
    ['03/04-2024', 'MDY'],
    ['24/03/04', 'YMD'],
    ['3/4/024', 'MDY'],
  ] as const)('%s is not a date read %s', (value, order) => {
    expect(readDate(value, order)).toBeUndefined();
  });

  it('writes every real date back as itself in each order', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        (date) => {
          const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
          const iso = date.toISOString().slice(0, 10);
          expect(readDate(`${day}.${month}.${year}`, 'DMY')).toBe(iso);
          expect(readDate(`${month}/${day}/${year}`, 'MDY')).toBe(iso);
          expect(readDate(`${year}/${month}/${day}`, 'YMD')).toBe(iso);
        },
      ),
    );
  });
});

describe('DateOrderReader (the whole column)', () => {
  it('finds the one order every value fits, however late the deciding value comes', () => {
    expect(readColumn(['03/04/2024', '05/06/2024', '01/02/2024', '12/25/2024'])).toEqual({
      kind: 'one',
      order: 'MDY',
    });
    expect(readColumn(['04.03.2024', '25.12.2024'])).toEqual({ kind: 'one', order: 'DMY' });
    expect(readColumn(['2024/03/04', '', '2024-05-06'])).toEqual({ kind: 'one', order: 'YMD' });
  });

  it('needs no order for ISO dates', () => {
    expect(readColumn(['2024-03-04', '2024-12-25'])).toEqual({ kind: 'iso' });
  });

  it('says when the column reads both ways, with an example read both ways', () => {
    const order = readColumn(['03/04/2024', '05/06/2024']);

    expect(order).toEqual({ kind: 'ambiguous', orders: ['MDY', 'DMY'], example: '03/04/2024' });
    expect(columnOrderProblem('Start date', order)).toBe(
      "Start date: 03/04/2024 could be 4 March 2024 or 3 April 2024; choose month first or day first for the column's date order",
    );
  });

  it('does not let a value that is a date in no order take an order away', () => {
    expect(readColumn(['31/31/2024', '25/12/2024'])).toEqual({ kind: 'one', order: 'DMY' });
  });

  it('names two rows when no one order fits every date', () => {
    const order = readColumn(['13/01/2024', '01/13/2024']);

    expect(order).toEqual({
      kind: 'mixed',
      first: { row: 2, value: '13/01/2024' },
      second: { row: 3, value: '01/13/2024' },
    });
    expect(columnOrderProblem('Start date', order)).toContain('row 2 has 13/01/2024, row 3 has 01/13/2024');
  });
});

describe('toIsoDate and dateProblem', () => {
  it('converts a value in the order and leaves ISO and the rest alone', () => {
    expect(toIsoDate('04.03.2024', 'DMY')).toBe('2024-03-04');
    expect(toIsoDate('2024-03-04', 'DMY')).toBe('2024-03-04');
    expect(toIsoDate('soon', 'DMY')).toBe('soon');
    expect(toIsoDate('04.03.2024', undefined)).toBe('04.03.2024');
  });

  it('says which order a value does not fit', () => {
    expect(dateProblem('Start date', '13/13/2024', 'DMY')).toBe(
      'Start date 13/13/2024 is not a real date written day first (04.03.2024) or as YYYY-MM-DD',
    );
    expect(dateProblem('Start date', '13/12/2024', 'DMY')).toBeUndefined();
  });
});
