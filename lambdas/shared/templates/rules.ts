import { z } from 'zod';
import { ErrorType } from '../model';
import type { ErrorTypeParams, TemplateColumn } from './types';

/**
 * Building blocks for template row schemas; each failure message names the column and the rule, and each
 * rule describes itself (`.describe`), so a template's published column descriptions come from the rules
 * it applies (`columnsOf`) instead of restating them.
 */

const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const withErrorType = (errorType: ErrorType): { params: ErrorTypeParams } => ({ params: { errorType } });

/** A required text column of 1..max characters. */
export const requiredText = (label: string, max: number) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string({ error: `${label} is required` })
        .max(max, { error: `${label} must be at most ${max} characters` }),
    )
    .describe(`1 to ${max} characters`);

/** An optional text column of at most max characters. */
export const optionalText = (label: string, max: number) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .max(max, { error: `${label} must be at most ${max} characters` })
        .optional(),
    )
    .describe(`At most ${max} characters`);

const EMAIL = z.email();

/** An email address of at most 254 characters. */
export const emailAddress = (label: string) =>
  z
    .string({ error: `${label} is required` })
    .max(254, { error: `${label} must be at most 254 characters` })
    .refine((value) => value.length > 254 || EMAIL.safeParse(value).success, {
      error: `${label} is not a valid email address`,
      ...withErrorType(ErrorType.INVALID_FORMAT),
    });

const EMAIL_RULE = 'Email address, at most 254 characters';
export const requiredEmail = (label: string) =>
  z.preprocess(blankToUndefined, emailAddress(label)).describe(EMAIL_RULE);
export const optionalEmail = (label: string) =>
  z.preprocess(blankToUndefined, emailAddress(label).optional()).describe(EMAIL_RULE);

/** One of a fixed set of values, compared case-insensitively, stored lower-case. */
export const requiredChoice = <const T extends readonly [string, ...string[]]>(label: string, choices: T) =>
  z
    .preprocess(
      (value) => (typeof value === 'string' ? blankToUndefined(value.toLowerCase()) : value),
      z.enum(choices, { error: (issue) => choiceError(label, choices, issue.input) }),
    )
    .describe(`One of ${choices.join(', ')} (any case)`);

const choiceError = (label: string, choices: readonly string[], input: unknown): string =>
  input === undefined ? `${label} is required` : `${label} must be one of ${choices.join(', ')}`;

const PHONE_SEPARATORS = /[\s\-.()]/g;
const E164 = /^\+[1-9]\d{1,14}$/;

/** A phone number in E.164 once spaces, dashes, dots and parentheses are removed; stored normalised. */
export const optionalPhone = (label: string) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .transform((value) => value.replace(PHONE_SEPARATORS, ''))
        .refine((value) => E164.test(value), {
          error: `${label} must be in international E.164 format, e.g. +15551234567`,
          ...withErrorType(ErrorType.INVALID_FORMAT),
        })
        .optional(),
    )
    .describe('International E.164 number; spaces, dashes, dots and parentheses are ignored');

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isCalendarDate = (value: string): boolean => {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

/** An ISO `YYYY-MM-DD` date that exists on the calendar. */
export const optionalIsoDate = (label: string) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .refine((value) => ISO_DATE.test(value), {
          error: `${label} must be a date in YYYY-MM-DD format`,
          ...withErrorType(ErrorType.INVALID_FORMAT),
          abort: true,
        })
        .refine(isCalendarDate, {
          error: (issue) => `${label} ${String(issue.input)} is not a real calendar date`,
          ...withErrorType(ErrorType.INVALID_VALUE),
        })
        .optional(),
    )
    .describe('Date in YYYY-MM-DD format');

/** A code of letters, digits, dashes and underscores, stored upper-case. */
export const code = (label: string, max: number, required: boolean) => {
  const rule = z
    .string({ error: `${label} is required` })
    .max(max, { error: `${label} must be at most ${max} characters` })
    .refine((value) => value.length > max || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(value), {
      error: `${label} may contain only letters, digits, dashes and underscores`,
      ...withErrorType(ErrorType.INVALID_FORMAT),
    })
    .transform((value) => value.toUpperCase());
  return z
    .preprocess(blankToUndefined, required ? rule : rule.optional())
    .describe(`Up to ${max} letters, digits, dashes or underscores`);
};

/** A non-negative amount with at most two decimals, stored as a number. */
export const optionalAmount = (label: string) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .refine((value) => /^\d{1,13}(\.\d{1,2})?$/.test(value), {
          error: `${label} must be a non-negative amount such as 1250 or 1250.50`,
          ...withErrorType(ErrorType.INVALID_FORMAT),
        })
        .transform(Number)
        .optional(),
    )
    .describe('Non-negative amount with at most two decimals');

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0']);

/** A yes/no value (true/false, yes/no, y/n, 1/0), defaulting when blank. */
export const optionalBoolean = (label: string, fallback: boolean) =>
  z
    .preprocess(
      blankToUndefined,
      z
        .string()
        .transform((value) => value.toLowerCase())
        .refine((value) => TRUE_WORDS.has(value) || FALSE_WORDS.has(value), {
          error: `${label} must be yes or no (true/false, 1/0 also work)`,
          ...withErrorType(ErrorType.INVALID_VALUE),
        })
        .transform((value) => TRUE_WORDS.has(value))
        .optional()
        .transform((value) => value ?? fallback),
    )
    .describe(`yes or no (true/false, 1/0); blank means ${fallback ? 'yes' : 'no'}`);

/** What a template says of one column beyond its rule: an example, and what the rule alone does not say. */
export interface ColumnNotes {
  example: string;
  /** Appended to the rule's description ("unique, any case"). */
  note?: string;
  /** Said instead of the rule's description, where the column's meaning says more than its format. */
  description?: string;
}

/**
 * A template's published columns, in the row schema's order: `required` is whether the column's rule
 * refuses a blank, and the description is the rule's own, with the template's note.
 */
export const columnsOf = <Shape extends z.ZodRawShape>(
  row: z.ZodObject<Shape>,
  notes: { [Name in keyof Shape]: ColumnNotes },
): TemplateColumn[] =>
  Object.entries(row.shape).map(([name, shapeRule]) => {
    const rule = shapeRule as z.ZodType;
    const { example, note, description } = notes[name] as ColumnNotes;
    const base = description ?? [rule.description, note].filter(Boolean).join('; ');
    return { name, required: !rule.safeParse(undefined).success, description: `${base}.`, example };
  });
