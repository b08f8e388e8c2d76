import type { z } from 'zod';
import { positionOf } from '../mapping/match';
import { type ColumnMapping, ErrorType } from '../model';
import { departmentsTemplate } from './departments';
import type { ErrorTypeParams, TemplateDefinition, TemplateSummary } from './types';
import { usersTemplate } from './users';

export type { TemplateColumn, TemplateDefinition, TemplateSummary, WriteMode } from './types';

const TEMPLATES: readonly TemplateDefinition[] = [usersTemplate, departmentsTemplate];
const BY_ID = new Map(TEMPLATES.map((template) => [template.templateId, template]));

/** Trailing columns of an exceptions report; a re-uploaded report carries them and they are ignored. */
export const REPORT_COLUMNS = ['row_number', 'error_type', 'error_message'] as const;
const REPORT_COLUMN_SET: ReadonlySet<string> = new Set(REPORT_COLUMNS);

/**
 * Whether a header is an exceptions report's (it ends in, or holds, row_number, error_type and
 * error_message): only such a file's cells carry the report's formula neutralisation to undo.
 */
export const isExceptionsReportHeader = (header: readonly string[]): boolean => {
  const names = new Set(header.map((cell) => normalizeHeaderName(cell)));
  return REPORT_COLUMNS.every((column) => names.has(column));
};

export const listTemplates = (): readonly TemplateDefinition[] => TEMPLATES;

export const findTemplate = (templateId: string): TemplateDefinition | undefined => BY_ID.get(templateId);

export const toTemplateSummary = (template: TemplateDefinition): TemplateSummary => ({
  templateId: template.templateId,
  name: template.name,
  description: template.description,
  mode: template.mode,
  key: template.key,
  columns: template.columns.map((column) => ({ ...column })),
});

/**
 * Header cell → template column name: case, surrounding spaces and a BOM are ignored, and runs of
 * spaces or hyphens count as one underscore (`First Name` → `first_name`).
 */
export const normalizeHeaderName = (cell: string): string =>
  cell
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

export interface HeaderMatch {
  /** For each position in the file's header, the template column it feeds, or null when ignored. */
  columnMap: (string | null)[];
  missingRequired: string[];
  /** Template columns that appear more than once, with their 1-based positions. */
  duplicated: { column: string; positions: number[] }[];
  /** Header cells (as written) that match no template column. */
  unknown: string[];
  /** Columns the mapping fills with one value for every row. */
  constants: Record<string, string>;
  /** Headers the mapping names that the file does not have. */
  absentSources: { column: string; source: string }[];
}

/**
 * Matches a file's header against a template: the mapping's sources first (DESIGN §9), then every column
 * the mapping leaves out by its own name (§4), among the headers the mapping did not take.
 */
export const matchHeader = (
  template: TemplateDefinition,
  header: readonly string[],
  mapping: ColumnMapping = {},
): HeaderMatch => {
  const known = new Set(template.columns.map((column) => column.name));
  const columnMap: (string | null)[] = header.map(() => null);
  const positions = new Map<string, number[]>();
  const place = (column: string, index: number) => {
    positions.set(column, [...(positions.get(column) ?? []), index + 1]);
  };
  const constants: Record<string, string> = {};
  const absentSources: { column: string; source: string }[] = [];
  const mapped = new Set<string>();
  for (const [column, spec] of Object.entries(mapping)) {
    if (!known.has(column)) continue;
    mapped.add(column);
    if ('value' in spec) {
      constants[column] = spec.value;
      continue;
    }
    const at = positionOf(header, spec.source);
    if (at < 0) absentSources.push({ column, source: spec.source });
    else if (columnMap[at] === null) {
      columnMap[at] = column;
      place(column, at);
    } else place(column, at);
  }
  const unknown: string[] = [];
  header.forEach((cell, index) => {
    if (columnMap[index] !== null) return;
    const name = normalizeHeaderName(cell);
    if (known.has(name) && !mapped.has(name)) {
      columnMap[index] = name;
      place(name, index);
      return;
    }
    if (!REPORT_COLUMN_SET.has(name) && name !== '') unknown.push(cell.trim());
  });
  return {
    columnMap,
    missingRequired: template.columns
      .filter((column) => column.required && !positions.has(column.name) && !(column.name in constants))
      .map((column) => column.name)
      .filter((column) => !absentSources.some((absent) => absent.column === column)),
    duplicated: [...positions.entries()]
      .filter(([, found]) => found.length > 1)
      .map(([column, found]) => ({ column, positions: found })),
    unknown,
    constants,
    absentSources,
  };
};

export interface RowProblem {
  errorType: ErrorType;
  message: string;
  column?: string;
}

export type RowOutcome =
  | { ok: true; key: string; record: Record<string, unknown> }
  | { ok: false; problems: RowProblem[] };

const hasErrorType = (params: unknown): params is ErrorTypeParams =>
  typeof params === 'object' && params !== null && 'errorType' in params;

const problemFromIssue = (issue: z.core.$ZodIssue): RowProblem => {
  // Parsed with reportInput, so `input` is the cell's value (undefined when absent or blank).
  const column = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
  const base = { message: issue.message, ...(column ? { column } : {}) };
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return { ...base, errorType: ErrorType.REQUIRED };
  }
  switch (issue.code) {
    case 'invalid_type':
      return { ...base, errorType: ErrorType.INVALID_FORMAT };
    case 'too_big':
      return { ...base, errorType: ErrorType.TOO_LONG };
    case 'too_small':
      return { ...base, errorType: ErrorType.REQUIRED };
    case 'invalid_format':
      return { ...base, errorType: ErrorType.INVALID_FORMAT };
    case 'invalid_value':
      return { ...base, errorType: ErrorType.INVALID_VALUE };
    case 'custom':
      return {
        ...base,
        errorType: hasErrorType(issue.params) ? issue.params.errorType : ErrorType.INVALID_VALUE,
      };
    default:
      return { ...base, errorType: ErrorType.INVALID_VALUE };
  }
};

/**
 * Validates one row (values keyed by template column, already trimmed) and returns the record to
 * store with its normalised key, or every problem found.
 */
export const validateRow = (
  template: TemplateDefinition,
  values: Record<string, string | undefined>,
): RowOutcome => {
  const parsed = template.rowSchema.safeParse(values, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(problemFromIssue) };
  const record = parsed.data as Record<string, unknown>;
  const keyValue = record[template.key];
  if (typeof keyValue !== 'string' || keyValue === '') {
    return {
      ok: false,
      problems: [
        { errorType: ErrorType.REQUIRED, message: `${template.key} is required`, column: template.key },
      ],
    };
  }
  return { ok: true, key: template.normalizeKey(keyValue), record };
};

/**
 * One column's value through that column's rule alone, as it would be stored (`Member` → `member`), or
 * its problems: for a value given for every row, and for the values the console's preview shows.
 */
export const checkColumnValue = (
  template: TemplateDefinition,
  column: string,
  value: string | undefined,
): { ok: true; value: unknown } | { ok: false; problems: RowProblem[] } => {
  const rule = template.rowSchema.shape[column];
  if (!rule)
    return { ok: false, problems: [{ errorType: ErrorType.INVALID_VALUE, message: `No column ${column}` }] };
  const parsed = rule.safeParse(value, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue: z.core.$ZodIssue) => ({ ...problemFromIssue(issue), column })),
  };
};

/** The sample CSV offered for download: the header and one example row. */
export const sampleCsv = (template: TemplateDefinition): string => {
  const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const header = template.columns.map((column) => column.name).join(',');
  const example = template.columns.map((column) => quote(column.example)).join(',');
  return `${header}\r\n${example}\r\n`;
};
