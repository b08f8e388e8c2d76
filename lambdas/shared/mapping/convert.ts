import { type DateFormats, ErrorType } from '../model';
import type { RowProblem, TemplateDefinition } from '../templates';
import { dateProblem, isIsoShaped, readDate } from './dates';
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

export type Converted = { ok: true; value: string } | { ok: false; problem: RowProblem };

export interface ValueConverter {
  column: string;
  convert(value: string): Converted;
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
          convert: (value) => {
            if (isIsoShaped(value)) return { ok: true, value };
            const iso = readDate(value, order);
            if (iso) return { ok: true, value: iso };
            return {
              ok: false,
              problem: {
                errorType: ErrorType.INVALID_FORMAT,
                message: dateProblem(label, value, order) ?? `${label} is not a date`,
                column: column.name,
              },
            };
          },
        },
      ];
    }
    const country = reading.defaultCountry;
    if (kind === 'phone' && country) {
      return [
        {
          column: column.name,
          convert: (value) => {
            if (!isNationalNumber(value)) return { ok: true, value };
            const read = nationalToE164(label, value, country);
            return read.ok
              ? { ok: true, value: read.e164 }
              : {
                  ok: false,
                  problem: { errorType: ErrorType.INVALID_FORMAT, message: read.reason, column: column.name },
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
): RowProblem[] => {
  const problems: RowProblem[] = [];
  for (const converter of converters) {
    const value = values[converter.column];
    if (value === undefined) continue;
    const converted = converter.convert(value);
    if (converted.ok) values[converter.column] = converted.value;
    else {
      problems.push(converted.problem);
      values[converter.column] = undefined;
    }
  }
  return problems;
};
