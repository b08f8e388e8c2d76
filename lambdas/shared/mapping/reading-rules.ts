import type { ColumnMapping, DateFormats } from '../model';
import { checkColumnValue, type TemplateDefinition } from '../templates';
import { convertValues, valueConverters } from './convert';
import { DATE_ORDERS, isDateOrder } from './dates';
import { positionOf } from './match';
import { isPhoneCountry } from './phones';

/**
 * What is wrong with a mapping, date orders and default country for a template, before any file is seen
 * (DESIGN §9): the create API refuses them with a 400 naming the field and the value, and the console's
 * preview says the same before uploading. What only the file can tell (a header it lacks, dates that fit
 * no order) is validate-file's.
 */

export interface ReadingInput {
  mapping?: ColumnMapping;
  formats?: Record<string, string>;
  defaultCountry?: string;
}

export interface ReadingIssue {
  path: (string | number)[];
  message: string;
}

const quoted = (value: string): string =>
  JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

export const readingIssues = (template: TemplateDefinition, input: ReadingInput): ReadingIssue[] => {
  const issues: ReadingIssue[] = [];
  const columns = template.columns.map((column) => column.name);
  const dateColumns = columns.filter((column) => template.matching[column]?.kind === 'date');
  const { mapping = {}, formats = {}, defaultCountry } = input;

  if (defaultCountry !== undefined && !isPhoneCountry(defaultCountry))
    issues.push({
      path: ['defaultCountry'],
      message: `${quoted(defaultCountry)} is not a country code with a phone numbering plan: use ISO 3166-1 alpha-2 in capitals (US, GB, DE, …)`,
    });

  for (const [column, order] of Object.entries(formats)) {
    if (!dateColumns.includes(column))
      issues.push({
        path: ['formats', column],
        message: `${quoted(column)} is not a date column of the ${template.name} template (date columns: ${dateColumns.join(', ') || 'none'})`,
      });
    else if (!isDateOrder(order))
      issues.push({
        path: ['formats', column],
        message: `${quoted(order)} is not a date order: expected ${DATE_ORDERS.join(', ')}`,
      });
  }

  const validFormats: DateFormats = {};
  for (const [column, order] of Object.entries(formats)) if (isDateOrder(order)) validFormats[column] = order;
  const converters = valueConverters(template, {
    formats: validFormats,
    ...(defaultCountry && isPhoneCountry(defaultCountry) ? { defaultCountry } : {}),
  });
  const readers = new Map<string, string[]>();
  for (const [column, spec] of Object.entries(mapping)) {
    if (!columns.includes(column)) {
      issues.push({
        path: ['mapping', column],
        message: `${quoted(column)} is not a column of the ${template.name} template (columns: ${columns.join(', ')})`,
      });
      continue;
    }
    if ('source' in spec) {
      const source = spec.source.trim();
      if (source === '') {
        issues.push({ path: ['mapping', column, 'source'], message: 'must name a header of the file' });
        continue;
      }
      // Headers are compared as validate-file compares them: as written, else by their words.
      const known = [...readers.keys()];
      const same = known[positionOf(known, source)];
      readers.set(same ?? source, [...(readers.get(same ?? source) ?? []), column]);
      continue;
    }
    if (column === template.key) {
      issues.push({
        path: ['mapping', column, 'value'],
        message: `${column} is the ${template.name} template's key: it must come from a column of the file, not one value for every row`,
      });
      continue;
    }
    const values: Record<string, string | undefined> = { [column]: spec.value.trim() || undefined };
    const unread = convertValues(converters, values);
    const checked = unread.length > 0 ? undefined : checkColumnValue(template, column, values[column]);
    const problems = checked && !checked.ok ? checked.problems : unread;
    if (problems.length > 0)
      issues.push({
        path: ['mapping', column, 'value'],
        message: `${quoted(spec.value)}: ${problems.map((problem) => problem.message).join('; ')}`,
      });
  }
  for (const [source, readBy] of readers) {
    if (readBy.length > 1)
      issues.push({
        path: ['mapping'],
        message: `${readBy.join(' and ')} both read the header ${quoted(source)}: a header feeds one column`,
      });
  }
  return issues;
};
