import { type DateFormats, ErrorType } from '../model';
import type { RowProblem, TemplateDefinition } from '../templates';
import { dateProblem, readDateCell } from './dates';
import { isNationalNumber, nationalToE164 } from './phones';

/**
 * How a row's values are read before the template's rules see them (DESIGN §9): a date in the column's
 * order becomes ISO, a national phone number becomes E.164 in the default country. Prepared once per
 * chunk (or preview), applied to every row; the rules stay the template's own.
 */

export interface ValueReading {
  formats?: DateFormats;
  defaultCountry?: string;
}

/**
 * Reads one column's values. Every value of the column passes `read` on every row, so it answers with the
 * stored string itself (or undefined when the value cannot be read), and the problem is made only then.
 */
export interface ValueConverter {
  column: string;
  /** The value as it is stored, or undefined when it cannot be read. */
  read(value: string): string | undefined;
  /** Why a value `read` could not read cannot be. */
  problem(value: string): RowProblem;
}

/** `start_date` → `Start date`, as the template's rules name their columns. */
export const columnLabel = (column: string): string => {
  const words = column.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The converters a template needs for this reading; none when every value is read as written. */
export const valueConverters = (template: TemplateDefinition, reading: ValueReading): ValueConverter[] =>
  template.columns.flatMap((column): ValueConverter[] => {
    const kind = template.matching[column.name]?.kind;
    const label = columnLabel(column.name);
    const order = reading.formats?.[column.name];
    if (kind === 'date' && order) {
      return [
        {
          column: column.name,
          read: (value) => readDateCell(value, order),
          problem: (value) => ({
            errorType: ErrorType.INVALID_FORMAT,
            message: dateProblem(label, value, order) ?? `${label} is not a date`,
            column: column.name,
          }),
        },
      ];
    }
    const country = reading.defaultCountry;
    if (kind === 'phone' && country) {
      const national = (value: string) => nationalToE164(label, value, country);
      return [
        {
          column: column.name,
          read: (value) => {
            if (!isNationalNumber(value)) return value;
            const read = national(value);
            return read.ok ? read.e164 : undefined;
          },
          problem: (value) => {
            const read = national(value);
            return {
              errorType: ErrorType.INVALID_FORMAT,
              message: read.ok ? `${label} ${value} could not be read` : read.reason,
              column: column.name,
            };
          },
        },
      ];
    }
    return [];
  });

/**
 * Applies the converters to one row's values (keyed by column, blanks undefined), in place, and returns
 * the problems of values that could not be read; such a column is removed, so the rules judge the rest.
 */
export const convertValues = (
  converters: readonly ValueConverter[],
  values: Record<string, string | undefined>,
): readonly RowProblem[] => {
  // Made only for a row with a value that cannot be read: most rows have none.
  let problems: RowProblem[] | undefined;
  for (const converter of converters) {
    const value = values[converter.column];
    if (value === undefined) continue;
    const read = converter.read(value);
    if (read !== undefined) values[converter.column] = read;
    else {
      problems ??= [];
      problems.push(converter.problem(value));
      values[converter.column] = undefined;
    }
  }
  return problems ?? NO_PROBLEMS;
};

const NO_PROBLEMS: readonly RowProblem[] = [];
