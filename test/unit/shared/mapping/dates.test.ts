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
  it('agrees with the calendar on any three numbers and separators', () => {
    // The calendar's own answer: the numbers as written, read in the order, checked by Date.
    const calendar = (first: string, second: string, third: string, order: 'YMD' | 'MDY' | 'DMY') => {
      const [y, m, d] =
        order === 'YMD'
          ? [first, second, third]
          : order === 'MDY'
            ? [third, first, second]
            : [third, second, first];
      const yearWritten = order === 'YMD' ? first : third;
      if (order === 'YMD' ? first.length !== 4 || third.length > 2 : first.length > 2) return undefined;
      if (yearWritten.length !== 4 && (order === 'YMD' || yearWritten.length !== 2)) return undefined;
      const short = Number(y);
      const year = y.length === 2 ? (short < 30 ? 2000 + short : 1900 + short) : short;
      const date = new Date(Date.UTC(year, Number(m) - 1, Number(d)));
      const real =
        date.getUTCFullYear() === year &&
        date.getUTCMonth() === Number(m) - 1 &&
        date.getUTCDate() === Number(d);
      return real && year >= 100 ? date.toISOString().slice(0, 10) : undefined;
    };
    const digits = (min: number, max: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    // Numbers near the calendar's edges (century leap years, month ends, 0 and 13), written with or
    // without leading zeros, beside any digits at all.
    const written = (numbers: fc.Arbitrary<number>, width: number) =>
      fc
        .tuple(numbers, fc.boolean())
        .map(([number, padded]) => (padded ? String(number).padStart(width, '0') : String(number)));
    const year = written(
      fc.oneof(
        fc.integer({ min: 0, max: 9999 }),
        fc.constantFrom(1600, 1900, 2000, 2100, 2024, 2023, 29, 30, 0, 99),
      ),
      4,
    );
    const month = written(fc.oneof(fc.integer({ min: 0, max: 13 }), fc.constant(2)), 2);
    const day = written(fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)), 2);
    const numbers = fc.oneof(
      fc.tuple(digits(1, 4), digits(1, 2), digits(1, 4)),
      fc.tuple(year, month, day),
      fc.tuple(month, day, year),
      fc.tuple(day, month, year),
    );
    fc.assert(
      fc.property(
        numbers,
        fc.constantFrom('/', '.', '-', ' '),
        fc.constantFrom('YMD', 'MDY', 'DMY') as fc.Arbitrary<'YMD' | 'MDY' | 'DMY'>,
        ([first, second, third], separator, order) => {
          const value = `${first}${separator}${second}${separator}${third}`;
          expect(readDate(value, order)).toBe(calendar(first, second, third, order));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it.each(['03/04.2024', '1/2/3/4', '03/04/2024 ', '١/٢/٢٠٢٤', '03//2024', '12345/1/1', '1/123/2024'])(
    '%j is not three numbers with one separator',
    (value) => {
      for (const order of ['YMD', 'MDY', 'DMY'] as const) expect(readDate(value, order)).toBeUndefined();
    },
  );
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
