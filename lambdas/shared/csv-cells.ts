/**
 * Spreadsheet formula injection: a cell starting with one of these is run as a formula by Excel,
 * LibreOffice or Sheets. In locales whose list separator is `;`, a spreadsheet opening a comma CSV splits
 * cells at `;` (and tabs), so a trigger right after one of those starts a formula too (`x;=1+1`).
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);
/** Where a spreadsheet may start a new cell inside one of ours. */
const CELL_SPLITS = new Set([';', '\t']);
const MARK = "'";

/** A character the mark protects: a trigger, or an apostrophe that could be taken for a mark. */
const protectedAt = (value: string, at: number): boolean => {
  const char = value.charAt(at);
  return FORMULA_TRIGGERS.has(char) || (char === MARK && isMarkable(value.charAt(at + 1)));
};
const isMarkable = (char: string): boolean => char === MARK || FORMULA_TRIGGERS.has(char);

/**
 * Makes a value safe to open in a spreadsheet: an apostrophe goes before a formula trigger at the start
 * of the cell and after every `;` or tab in it. A genuine apostrophe there that comes before a trigger or
 * another apostrophe gets one too, so `restoreNeutralized` can tell the two apart and the scheme is exactly
 * reversible (`'-5` comes back as `'-5`, not `-5`).
 */
export const neutralizeFormula = (value: string): string => {
  // Most cells need nothing: no trigger first, no place inside where a spreadsheet could split them.
  if (!protectedAt(value, 0) && !value.includes(';') && !value.includes('\t')) return value;
  let out = '';
  let pieceStart = true;
  for (let at = 0; at < value.length; at += 1) {
    if (pieceStart && protectedAt(value, at)) out += MARK;
    const char = value.charAt(at);
    out += char;
    pieceStart = CELL_SPLITS.has(char);
  }
  return out;
};

/** Undoes `neutralizeFormula`: restoreNeutralized(neutralizeFormula(v)) === v for every string v. */
export const restoreNeutralized = (value: string): string => {
  if (!value.includes(MARK)) return value;
  let out = '';
  let pieceStart = true;
  for (let at = 0; at < value.length; at += 1) {
    const char = value.charAt(at);
    const next = value.charAt(at + 1);
    if (pieceStart && char === MARK && isMarkable(next)) {
      // The mark is dropped; the character it protected is copied next, and is not a new piece start.
      pieceStart = false;
      continue;
    }
    out += char;
    pieceStart = CELL_SPLITS.has(char);
  }
  return out;
};

/**
 * A cell as the importer sees it: trimmed, and, in a re-uploaded exceptions report (`fromReport`), with
 * the report's neutralisation undone. Cells of any other file are kept as written, apostrophes included.
 */
export const cellValue = (raw: string, fromReport: boolean): string =>
  fromReport ? restoreNeutralized(raw.trim()) : raw.trim();
