import type { z } from 'zod';
import type { ErrorType } from '../model';

/** Column metadata published by `GET /api/templates` and used for header matching. */
export interface TemplateColumn {
  name: string;
  required: boolean;
  description: string;
  example: string;
}

export type WriteMode = 'insert' | 'upsert';

/** What a column's values look like, for matching a file's columns by their values (DESIGN §9). */
export type ColumnKind =
  | 'email'
  | 'name'
  | 'text'
  | 'choice'
  | 'phone'
  | 'date'
  | 'code'
  | 'amount'
  | 'boolean';

/** How a file's header finds a column when it is not the column's own name. */
export interface ColumnMatching {
  kind: ColumnKind;
  /** Other names systems give the column, written as words (`email address`, `given name`). */
  synonyms: readonly string[];
  /** Words that make a header about something else (`recovery` in `Recovery Email`). */
  avoid?: readonly string[];
  /** For `choice`: the values it takes, lower-case. */
  choices?: readonly string[];
}

/**
 * A template is code: a zod schema per row plus column metadata, the record key and the write mode.
 * The row schema receives an object keyed by template column name (values already trimmed; absent
 * columns and empty cells are `undefined`) and outputs the record to store.
 */
export interface TemplateDefinition<Row extends z.ZodObject = z.ZodObject> {
  templateId: string;
  name: string;
  description: string;
  mode: WriteMode;
  /** Column whose value identifies the record. */
  key: string;
  columns: readonly TemplateColumn[];
  rowSchema: Row;
  /** Canonical form of a key value, used for uniqueness (e.g. lower-cased email). */
  normalizeKey: (value: string) => string;
  /** Per column: its kind and the names other systems give it. */
  matching: Readonly<Record<string, ColumnMatching>>;
}

/** Public template shape (DESIGN §6). */
export interface TemplateSummary {
  templateId: string;
  name: string;
  description: string;
  mode: WriteMode;
  key: string;
  columns: TemplateColumn[];
}

/** zod issue params carrying the DESIGN §4 error type a rule violation maps to. */
export interface ErrorTypeParams {
  errorType: ErrorType;
}
