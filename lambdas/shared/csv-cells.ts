/**
 * Spreadsheet formula injection: a cell starting with one of these is run as a formula by Excel,
 * LibreOffice or Sheets. Reports prefix such cells with an apostrophe; the importer removes that
 * apostrophe again, so a fixed exceptions file re-imports to the original values (`+15551234567`).
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/** Makes a value safe to open in a spreadsheet. */
export const neutralizeFormula = (value: string): string =>
  value.length > 0 && FORMULA_TRIGGERS.has(value.charAt(0)) ? `'${value}` : value;

/** Undoes `neutralizeFormula` on a value read from an uploaded file. */
export const restoreNeutralized = (value: string): string =>
  value.length > 1 && value.charAt(0) === "'" && FORMULA_TRIGGERS.has(value.charAt(1))
    ? value.slice(1)
    : value;

/** A cell as the importer sees it: trimmed, with report neutralisation undone. */
export const cellValue = (raw: string): string => restoreNeutralized(raw.trim());
