import type { RowError, TaskStatus } from '../shared/model';
import { STATUS_LABELS } from '../shared/status-labels';

/**
 * The reply to an emailed import, as text and HTML: one section per file with its status, counts,
 * reason, first errors and report links, and when those links stop working. Pure: the sender and the
 * clock come from the caller.
 */

export interface ReplyFile {
  fileName: string;
  status: TaskStatus;
  statusReason?: string;
  totalRows?: number;
  successCount: number;
  errorCount: number;
  /** The first failed rows, in row order. */
  firstErrors: RowError[];
  links: { exceptions?: string; results?: string };
}

export interface ReplyInput {
  subject: string;
  receivedAt: string;
  files: ReplyFile[];
  /** When the links stop working; absent when there are none. */
  linksExpireAt?: string;
}

export interface ComposedReply {
  subject: string;
  text: string;
  html: string;
}

const thousands = new Intl.NumberFormat('en-US');

/** `2026-11-22T09:30:00.000Z` → `2026-11-22 09:30 UTC`: unambiguous wherever the reader is. */
const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * The sender chose the subject, and an encoded word can carry line breaks: the reply's Subject header
 * must stay one line (no header injection), so control characters and line separators become spaces.
 */
const singleLine = (value: string): string =>
  value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();

const counts = (file: ReplyFile): string | undefined => {
  if (file.totalRows === undefined) return undefined;
  const rows = `${thousands.format(file.totalRows)} ${file.totalRows === 1 ? 'row' : 'rows'}`;
  return `${rows}: ${thousands.format(file.successCount)} imported, ${thousands.format(file.errorCount)} failed`;
};

const errorLine = (error: RowError): string =>
  `Row ${error.rowNumber}${error.column ? `, ${error.column}` : ''}: ${error.errorType}, ${error.message}`;

const summary = (files: readonly ReplyFile[]): string => {
  const byLabel = new Map<string, number>();
  for (const file of files) {
    const label = STATUS_LABELS[file.status].toLowerCase();
    byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
  }
  return [...byLabel].map(([label, count]) => `${count} ${label}`).join(', ');
};

const fileText = (file: ReplyFile): string[] => {
  const lines = [`${file.fileName}: ${STATUS_LABELS[file.status]}`];
  const rowCounts = counts(file);
  if (rowCounts) lines.push(`  ${rowCounts}`);
  if (file.statusReason) lines.push(`  ${file.statusReason}`);
  if (file.firstErrors.length > 0) {
    lines.push(
      file.errorCount > file.firstErrors.length ? `  First ${file.firstErrors.length} errors:` : `  Errors:`,
    );
    for (const error of file.firstErrors) lines.push(`    ${errorLine(error)}`);
  }
  if (file.links.exceptions) lines.push(`  Exceptions report: ${file.links.exceptions}`);
  if (file.links.results) lines.push(`  Result data: ${file.links.results}`);
  return lines;
};

const fileHtml = (file: ReplyFile): string => {
  const parts = [
    `<h3 style="margin:16px 0 4px">${escapeHtml(file.fileName)}: ${escapeHtml(STATUS_LABELS[file.status])}</h3>`,
  ];
  const rowCounts = counts(file);
  if (rowCounts) parts.push(`<p style="margin:0">${escapeHtml(rowCounts)}</p>`);
  if (file.statusReason) parts.push(`<p style="margin:0">${escapeHtml(file.statusReason)}</p>`);
  if (file.firstErrors.length > 0) {
    const items = file.firstErrors.map((error) => `<li>${escapeHtml(errorLine(error))}</li>`).join('');
    const heading =
      file.errorCount > file.firstErrors.length ? `First ${file.firstErrors.length} errors:` : 'Errors:';
    parts.push(`<p style="margin:8px 0 0">${heading}</p><ul style="margin:4px 0">${items}</ul>`);
  }
  const links = [
    ...(file.links.exceptions
      ? [`<a href="${escapeHtml(file.links.exceptions)}">Exceptions report</a>`]
      : []),
    ...(file.links.results ? [`<a href="${escapeHtml(file.links.results)}">Result data</a>`] : []),
  ];
  if (links.length > 0) parts.push(`<p style="margin:4px 0">${links.join(' · ')}</p>`);
  return parts.join('\n');
};

/** The reply for one email: every file it carried, in the order they were attached. */
export const composeReply = (input: ReplyInput): ComposedReply => {
  const oneLine = singleLine(input.subject);
  const subject = oneLine === '' ? '(no subject)' : oneLine;
  const intro = `Your email "${subject}", received ${utc(input.receivedAt)}, carried ${
    input.files.length === 1 ? 'one file' : `${input.files.length} files`
  }: ${summary(input.files)}.`;
  const expiry = input.linksExpireAt
    ? `The report links work until ${utc(input.linksExpireAt)}; after that, download the reports from the Imports page of the console.`
    : undefined;
  const text = [
    intro,
    '',
    ...input.files.flatMap((file) => [...fileText(file), '']),
    ...(expiry ? [expiry, ''] : []),
    'This is an automatic reply from Bulk Imports.',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;font-size:14px">',
    `<p>${escapeHtml(intro)}</p>`,
    ...input.files.map(fileHtml),
    ...(expiry ? [`<p style="margin-top:16px">${escapeHtml(expiry)}</p>`] : []),
    '<p style="color:#666">This is an automatic reply from Bulk Imports.</p>',
    '</body></html>',
  ].join('\n');
  return { subject: `Import results: ${subject}`, text, html };
};
