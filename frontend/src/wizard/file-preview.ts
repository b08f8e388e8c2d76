import type { CreateImportRequest } from '../../../client/api-client';
import type { MatchAnswer } from '../../../client/schemas';
import {
  type FileHead,
  type FileHeadRead,
  HEAD_BYTES,
  readFileHead,
} from '../../../lambdas/shared/csv/file-head';
import { cellValue } from '../../../lambdas/shared/csv-cells';
import { columnLabel, convertValues, valueConverters } from '../../../lambdas/shared/mapping/convert';
import {
  DATE_ORDER_WORDS,
  type DateOrder,
  dateInWords,
  ordersIn,
  ordersOf,
  readDate,
} from '../../../lambdas/shared/mapping/dates';
import { positionOf } from '../../../lambdas/shared/mapping/match';
import { readingIssues } from '../../../lambdas/shared/mapping/reading-rules';
import type { ColumnMapping, DateFormats } from '../../../lambdas/shared/model';
import {
  checkColumnValue,
  isExceptionsReportHeader,
  normalizeHeaderName,
  type TemplateDefinition,
} from '../../../lambdas/shared/templates';

/** A stored value as the preview writes it: yes/no for booleans, numbers as written. */
const storedText = (value: unknown): string =>
  typeof value === 'boolean' ? (value ? 'yes' : 'no') : value === undefined ? '' : String(value);

/**
 * The wizard's preview of one chosen file (DESIGN §9): its head read in the browser by the very code
 * validate-file reads uploads with, the match the API suggests, and what the admin changes. Every value
 * shown is converted and checked by the pipeline's own converters and rules, so the preview shows what the
 * import will do. Pure: the step component holds one of these per file.
 */

export interface PreviewState {
  head: FileHead;
  match: MatchAnswer;
  /** Column → the header it reads (as written), or null. */
  sources: Record<string, string | null>;
  /** Column → one value for every row (a column with no header). */
  constants: Record<string, string>;
  /** Date orders the admin chose (or the saved mapping holds). */
  formats: Record<string, DateOrder>;
  /** ISO 3166-1 alpha-2 code for national phone numbers, or '' for none. */
  defaultCountry: string;
}

/** Reads the first `HEAD_BYTES` of a chosen file, as validate-file reads the upload's. */
export const readHead = async (file: Blob): Promise<FileHeadRead> => {
  const bytes = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  return readFileHead(bytes, file.size <= HEAD_BYTES);
};

export const ENCODING_LABELS: Record<string, string> = {
  'utf-8': 'UTF-8',
  'windows-1252': 'Windows-1252 (Western European)',
  'utf-16le': 'UTF-16 (little-endian)',
  'utf-16be': 'UTF-16 (big-endian)',
};

export const DELIMITER_LABELS: Record<string, string> = {
  ',': 'comma',
  ';': 'semicolon',
  '\t': 'tab',
};

/** The region of a browser locale (`en-US` → `US`), to suggest a country for national numbers. */
const regionOf = (locale: string): string => /^[a-z]{2,3}[-_]([A-Z]{2})\b/.exec(locale)?.[1] ?? '';

/**
 * The preview as the match suggests it: each column's suggested header; a saved mapping's values, orders
 * and country; the browser's region as the country when the sample has phone numbers without a `+`.
 */
export const initialPreview = (
  template: TemplateDefinition,
  head: FileHead,
  match: MatchAnswer,
  locale: string,
): PreviewState => {
  const saved = match.savedMapping;
  const sources = Object.fromEntries(match.columns.map((column) => [column.name, column.source]));
  const constants: Record<string, string> = {};
  for (const [column, spec] of Object.entries(saved?.mapping ?? {})) {
    if ('value' in spec) constants[column] = spec.value;
  }
  const state: PreviewState = {
    head,
    match,
    sources,
    constants,
    formats: { ...(saved?.formats ?? {}) },
    defaultCountry: saved?.defaultCountry ?? '',
  };
  if (!saved && hasNationalNumbers(template, state)) state.defaultCountry = regionOf(locale);
  return state;
};

const phoneColumns = (template: TemplateDefinition): string[] =>
  template.columns.map((column) => column.name).filter((name) => template.matching[name]?.kind === 'phone');

const hasNationalNumbers = (template: TemplateDefinition, state: PreviewState): boolean =>
  phoneColumns(template).some((column) =>
    valuesOf(state, column).some((value) => value !== '' && !value.startsWith('+')),
  );

const fromReport = (state: PreviewState): boolean => isExceptionsReportHeader(state.head.header);

/** The sample's trimmed values of the header a column reads. */
const valuesOf = (state: PreviewState, column: string): string[] => {
  const source = state.sources[column];
  if (source === null || source === undefined) return [];
  const position = positionOf(state.head.header, source);
  if (position < 0) return [];
  const report = fromReport(state);
  return state.head.rows.map((row) => cellValue(row[position] ?? '', report));
};

/** The order a date column is read in: the one chosen, else the one the sample shows, else none. */
export const orderOf = (state: PreviewState, column: string): DateOrder | null =>
  state.formats[column] ?? state.match.formats[column]?.format ?? null;

export interface SampleValue {
  /** The value as the import will store it (or as written, when it cannot be read). */
  value: string;
  problem?: string;
}

export interface ColumnPreview {
  name: string;
  label: string;
  required: boolean;
  source: string | null;
  constant: string | undefined;
  /** How the header was found: saved for this header, by the match (with its confidence), or by the admin. */
  found: 'saved' | 'matched' | 'chosen' | 'none';
  confidence: number;
  samples: SampleValue[];
}

const SAMPLES = 3;

/** What the preview shows of each template column: its header, and three sample values after conversion. */
export const previewColumns = (template: TemplateDefinition, state: PreviewState): ColumnPreview[] => {
  const formats: DateFormats = {};
  for (const column of template.columns) {
    const order = orderOf(state, column.name);
    if (order) formats[column.name] = order;
  }
  const converters = valueConverters(template, {
    formats,
    ...(state.defaultCountry ? { defaultCountry: state.defaultCountry } : {}),
  });
  const check = (column: string, written: string): SampleValue => {
    const values: Record<string, string | undefined> = { [column]: written === '' ? undefined : written };
    if (template.matching[column]?.kind === 'date' && !formats[column]) {
      const readings = ordersIn(ordersOf(written)).flatMap((order) => {
        const iso = readDate(written, order);
        return iso ? [dateInWords(iso)] : [];
      });
      if (readings.length > 1)
        return { value: written, problem: `could be ${readings.join(' or ')}: choose the date order below` };
    }
    const [unread] = convertValues(converters, values);
    if (unread) return { value: written, problem: unread.message };
    const checked = checkColumnValue(template, column, values[column]);
    if (!checked.ok) return { value: values[column] ?? written, problem: checked.problems[0]?.message ?? '' };
    return { value: storedText(checked.value) };
  };
  return template.columns.map((column): ColumnPreview => {
    const suggested = state.match.columns.find((each) => each.name === column.name);
    const source = state.sources[column.name] ?? null;
    const constant = source === null ? state.constants[column.name] : undefined;
    const found: ColumnPreview['found'] =
      source === null
        ? 'none'
        : suggested?.source === source
          ? suggested.saved
            ? 'saved'
            : 'matched'
          : 'chosen';
    const samples =
      source !== null
        ? valuesOf(state, column.name)
            .filter((value) => value !== '')
            .slice(0, SAMPLES)
            .map((value) => check(column.name, value))
        : constant !== undefined && constant.trim() !== ''
          ? [check(column.name, constant.trim())]
          : [];
    return {
      name: column.name,
      label: columnLabel(column.name),
      required: column.required,
      source,
      constant,
      found,
      confidence: found === 'matched' || found === 'saved' ? (suggested?.confidence ?? 0) : 1,
      samples,
    };
  });
};

/** Headers no column reads. */
export const ignoredHeaders = (state: PreviewState): string[] => {
  const used = new Set(
    Object.values(state.sources)
      .filter((source): source is string => source !== null)
      .map((source) => positionOf(state.head.header, source)),
  );
  const report = new Set(['row_number', 'error_type', 'error_message']);
  return state.head.header.filter(
    (cell, position) =>
      !used.has(position) &&
      cell.trim() !== '' &&
      !(fromReport(state) && report.has(normalizeHeaderName(cell))),
  );
};

/**
 * What the import is created with. A mapping only when the file is not already in the template's names
 * (then the import saves it for this header); the orders the admin chose; the country when phones need it.
 */
export const readingOf = (
  template: TemplateDefinition,
  state: PreviewState,
): Pick<CreateImportRequest, 'mapping' | 'formats' | 'defaultCountry'> => {
  const mapping: ColumnMapping = {};
  let byName = true;
  for (const column of template.columns) {
    const source = state.sources[column.name] ?? null;
    if (source !== null) {
      mapping[column.name] = { source };
      if (normalizeHeaderName(source) !== column.name) byName = false;
      continue;
    }
    const constant = state.constants[column.name];
    if (constant !== undefined && constant.trim() !== '') {
      mapping[column.name] = { value: constant.trim() };
      byName = false;
    }
  }
  const formats = Object.keys(state.formats).length > 0 ? { formats: { ...state.formats } } : {};
  const country =
    state.defaultCountry !== '' && phoneColumns(template).some((column) => state.sources[column])
      ? { defaultCountry: state.defaultCountry }
      : {};
  return { ...(byName ? {} : { mapping }), ...formats, ...country };
};

export interface PreviewProblems {
  /** What stops the upload: a required column with no header or value, a value its rule refuses. */
  blocking: string[];
  /** What the admin should know: a date column the first rows read both ways. */
  warnings: string[];
}

export const previewProblems = (template: TemplateDefinition, state: PreviewState): PreviewProblems => {
  const blocking: string[] = [];
  for (const column of template.columns) {
    if (!column.required || state.sources[column.name]) continue;
    if ((state.constants[column.name] ?? '').trim() === '')
      blocking.push(
        `${column.name} is required: choose the header it reads, or give one value for every row.`,
      );
  }
  const reading = readingOf(template, state);
  for (const issue of readingIssues(template, reading))
    blocking.push(`${issue.path.join('.')}: ${issue.message}`);
  const warnings: string[] = [];
  for (const [column, guess] of Object.entries(state.match.formats)) {
    if (state.formats[column] || !state.sources[column] || guess.format || guess.candidates.length < 2)
      continue;
    const words = guess.candidates.map((order) => DATE_ORDER_WORDS[order].words).join(' or ');
    warnings.push(
      `${columnLabel(column)}: the first rows read ${words}. Choose the order, or the import stops if the whole column reads both ways too.`,
    );
  }
  return { blocking, warnings };
};
