/**
 * Dates as other systems write them (DESIGN §9). A date column always takes ISO `YYYY-MM-DD`; once its
 * order is known it also takes day, month and year in that order, separated by `/`, `.`, `-` or a space,
 * with or without leading zeros. The order is given, saved, or read from the whole column: the one order in
 * which every value is a real date. Pure, for validate-file, process-chunk and the console's preview alike.
 */

export const DATE_ORDERS = ['YMD', 'MDY', 'DMY'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export const isDateOrder = (value: unknown): value is DateOrder =>
  typeof value === 'string' && (DATE_ORDERS as readonly string[]).includes(value);

/** How each order reads, for messages and the console, with 4 March 2024 written in it. */
export const DATE_ORDER_WORDS: Record<DateOrder, { words: string; example: string }> = {
  YMD: { words: 'year first', example: '2024/03/04' },
  MDY: { words: 'month first', example: '03/04/2024' },
  DMY: { words: 'day first', example: '04.03.2024' },
};

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Two-digit years as Excel and LibreOffice read them by default: 00–29 are 2000–2029, 30–99 are 1930–1999.
 * Only a year written last may have two digits (`3/4/24`); a year written first has four.
 */
export const TWO_DIGIT_YEAR_PIVOT = 30;
const fullYear = (number: number, digits: number): number | undefined => {
  if (digits === 4) return number;
  if (digits !== 2) return undefined;
  return number < TWO_DIGIT_YEAR_PIVOT ? 2000 + number : 1900 + number;
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Years 100–9999 in the Gregorian calendar (years below 100 are not written as dates by any export). */
const isRealDate = (year: number, month: number, day: number): boolean => {
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  return day <= days;
};

/** `YYYY-MM-DD`, made from its ten character codes: one flat string, no pieces joined. */
const iso = (year: number, month: number, day: number): string =>
  String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    DASH,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    DASH,
    ZERO + Math.floor(day / 10),
    ZERO + (day % 10),
  );

/** Bits of the orders a value can be read in (1 YMD, 2 MDY, 4 DMY). */
const ORDER_BIT: Record<DateOrder, number> = { YMD: 1, MDY: 2, DMY: 4 };
export const ALL_ORDERS = 7;

/**
 * The three numbers of the value last split by `splitDate`, and how many digits each was written with.
 * Every value of a date column of every row passes here, so the split is by character codes into this one
 * record rather than a regular expression and an object per value.
 */
const parts = {
  first: 0,
  firstDigits: 0,
  second: 0,
  secondDigits: 0,
  third: 0,
  thirdDigits: 0,
  separator: 0,
};
const SLASH = 47;
const DOT = 46;
const DASH = 45;
const SPACE = 32;
const ZERO = 48;
const NINE = 57;

/**
 * Whether the value is three numbers (1–4, 1–2 and 1–4 ASCII digits) with one kind of separator, `/`,
 * `.`, `-` or a space, between them; when it is, `parts` holds them.
 */
const splitDate = (value: string): boolean => {
  const length = value.length;
  if (length < 5 || length > 12) return false;
  let index = 0;
  let separator = 0;
  for (let part = 0; part < 3; part++) {
    let number = 0;
    const start = index;
    while (index < length) {
      const code = value.charCodeAt(index);
      if (code < ZERO || code > NINE) break;
      number = number * 10 + code - ZERO;
      index++;
    }
    const digits = index - start;
    if (digits === 0 || digits > (part === 1 ? 2 : 4)) return false;
    if (part === 0) {
      parts.first = number;
      parts.firstDigits = digits;
    } else if (part === 1) {
      parts.second = number;
      parts.secondDigits = digits;
    } else {
      parts.third = number;
      parts.thirdDigits = digits;
      parts.separator = separator;
      return index === length;
    }
    if (index === length) return false;
    const code = value.charCodeAt(index);
    if (separator === 0) {
      if (code !== SLASH && code !== DOT && code !== DASH && code !== SPACE) return false;
      separator = code;
    } else if (code !== separator) return false;
    index++;
  }
  return false;
};

/** The split value as an ISO date read in `order`, or undefined when it is not a real date in that order. */
const readParts = (order: DateOrder): string | undefined => {
  const { first, firstDigits, second, third, thirdDigits } = parts;
  if (order === 'YMD') {
    if (firstDigits !== 4 || thirdDigits > 2) return undefined;
    return isRealDate(first, second, third) ? iso(first, second, third) : undefined;
  }
  if (firstDigits > 2) return undefined;
  const year = fullYear(third, thirdDigits);
  if (year === undefined) return undefined;
  const month = order === 'MDY' ? first : second;
  const day = order === 'MDY' ? second : first;
  return isRealDate(year, month, day) ? iso(year, month, day) : undefined;
};

/** The value as an ISO date read in `order`, or undefined when it is not a real date in that order. */
export const readDate = (value: string, order: DateOrder): string | undefined =>
  splitDate(value) ? readParts(order) : undefined;

/**
 * A date column's cell as it is stored once its order is known: an ISO-shaped value as written (the
 * template's rule judges it), another in the order as ISO, undefined when it is not a date in the order.
 * One scan of the value, for every row of the column.
 */
export const readDateCell = (value: string, order: DateOrder): string | undefined => {
  if (!splitDate(value)) return undefined;
  if (
    parts.separator === DASH &&
    parts.firstDigits === 4 &&
    parts.secondDigits === 2 &&
    parts.thirdDigits === 2
  )
    return value;
  return readParts(order);
};

/** Whether the value is written ISO `YYYY-MM-DD` (real or not: the template's rule says which). */
export const isIsoShaped = (value: string): boolean => ISO.test(value);

/** The orders a non-ISO value is a real date in, as bits; 0 when it is a date in none (or ISO). */
export const ordersOf = (value: string): number => {
  if (isIsoShaped(value) || !splitDate(value)) return 0;
  let bits = 0;
  for (const order of DATE_ORDERS) if (readParts(order)) bits |= ORDER_BIT[order];
  return bits;
};

export const ordersIn = (bits: number): DateOrder[] => DATE_ORDERS.filter((order) => bits & ORDER_BIT[order]);

/**
 * A date cell converted for the template's ISO rule: ISO stays as written; a value in `order` becomes ISO;
 * anything else is left for the rule to refuse (with the order named by `dateProblem`).
 */
export const toIsoDate = (value: string, order: DateOrder | undefined): string => {
  if (order === undefined || isIsoShaped(value)) return value;
  return readDate(value, order) ?? value;
};

/** Why a value is not a date in the column's order, for the row error; undefined when it is one. */
export const dateProblem = (label: string, value: string, order: DateOrder): string | undefined => {
  if (isIsoShaped(value) || readDate(value, order)) return undefined;
  const { words, example } = DATE_ORDER_WORDS[order];
  return `${label} ${value} is not a real date written ${words} (${example}) or as YYYY-MM-DD`;
};

/** What the whole column says of its order, once every value has been seen. */
export type ColumnOrder =
  /** Every value is ISO (or blank): no order is needed. */
  | { kind: 'iso' }
  | { kind: 'one'; order: DateOrder }
  /** Several orders fit every value: `example` reads differently in them. */
  | { kind: 'ambiguous'; orders: DateOrder[]; example: string }
  /** No one order fits every value: the two rows name values that need different orders. */
  | { kind: 'mixed'; first: { row: number; value: string }; second: { row: number; value: string } };

/**
 * Reads a column's values one by one (validate-file's pass, or the console's sample) and keeps the orders
 * that fit all of them. Values that are a date in no order are row errors, not evidence: they do not take
 * an order away. Constant memory: the orders left, and one example value per step that narrowed them.
 */
export class DateOrderReader {
  private bits = ALL_ORDERS;
  private seen = false;
  private example: string | undefined;
  private narrowedBy: { row: number; value: string; bits: number } | undefined;
  private conflict: { row: number; value: string } | undefined;
  /** The one order left, when only one is. */
  private single: DateOrder | undefined;

  add(value: string, row: number): void {
    // Once one order is left (the usual case after the first rows), a value that fits it changes nothing:
    // one reading instead of three.
    // (An ISO value is no evidence either way: it is read as written.)
    if (this.single !== undefined && this.seen && readDateCell(value, this.single) !== undefined) return;
    const fits = ordersOf(value);
    if (fits === 0) return;
    this.seen = true;
    const left = this.bits & fits;
    if (left === 0) {
      this.conflict ??= { row, value };
      return;
    }
    if (left !== this.bits) this.narrowedBy = { row, value, bits: left };
    this.bits = left;
    const [only, other] = ordersIn(left);
    this.single = other === undefined ? only : undefined;
    // An example that still reads differently in the orders left, for the ambiguity message.
    if (this.example === undefined || (ordersOf(this.example) & this.bits) !== this.bits)
      this.example = value;
  }

  result(): ColumnOrder {
    if (!this.seen) return { kind: 'iso' };
    if (this.conflict && this.narrowedBy) {
      return {
        kind: 'mixed',
        first: { row: this.narrowedBy.row, value: this.narrowedBy.value },
        second: this.conflict,
      };
    }
    const orders = ordersIn(this.bits);
    if (orders.length === 1 && orders[0]) return { kind: 'one', order: orders[0] };
    return { kind: 'ambiguous', orders, example: this.example ?? '' };
  }

  /** Orders that fit every value seen (all three before any non-ISO value). */
  candidates(): DateOrder[] {
    return ordersIn(this.bits);
  }
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "3 April 2024": a date as words, so that an ambiguity message reads both ways without a format. */
export const dateInWords = (isoDate: string): string => {
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[(month ?? 1) - 1]} ${year}`;
};

/**
 * "Start date: 03/04/2024 could be 3 April or 4 March 2024; choose day first or month first": why a column's
 * order must be chosen (DESIGN §9), or why no order fits it.
 */
export const columnOrderProblem = (label: string, order: ColumnOrder): string | undefined => {
  if (order.kind === 'ambiguous') {
    const readings = order.orders
      .map((each) => readDate(order.example, each))
      .filter((reading): reading is string => reading !== undefined)
      .map(dateInWords);
    const choices = order.orders.map((each) => DATE_ORDER_WORDS[each].words);
    return `${label}: ${order.example} could be ${readings.join(' or ')}; choose ${choices.join(' or ')} for the column's date order`;
  }
  if (order.kind === 'mixed') {
    return `${label}: the dates are not all written in one order (row ${order.first.row} has ${order.first.value}, row ${order.second.row} has ${order.second.value}); choose the column's date order and the dates that do not fit it will be reported row by row`;
  }
  return undefined;
};
