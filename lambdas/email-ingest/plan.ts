import { createHash } from 'node:crypto';

/**
 * Which tasks a received message becomes, decided from what its attachments are: a pure function of the
 * message, so a redelivered message plans the very same tasks under the very same ids.
 */

export interface ListedAttachment {
  index: number;
  fileName?: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  related: boolean;
  /**
   * Why its transfer encoding could not be decoded, in words that complete "it was sent as base64, but …"
   * (not base64, cut short, or decoding to binary data).
   */
  undecodable?: string;
}

/** Where a task comes from: an attachment's position, or the message as a whole. */
export type TaskSlot = number | 'message';

interface PlannedBase {
  slot: TaskSlot;
  fileName: string;
  size?: number;
}

export type PlannedTask =
  | (PlannedBase & { kind: 'csv'; size: number })
  | (PlannedBase & { kind: 'rejected'; reason: string });

const CSV_TYPES: ReadonlySet<string> = new Set([
  'text/csv',
  'application/csv',
  'text/comma-separated-values',
  'text/x-csv',
  'application/x-csv',
]);

/** A CSV by its name or its type, whatever transfer encoding carried it. */
export const isCsvAttachment = (attachment: Pick<ListedAttachment, 'fileName' | 'contentType'>): boolean =>
  /\.csv$/i.test(attachment.fileName ?? '') || CSV_TYPES.has(attachment.contentType);

/** A name for an attachment sent without one. */
const nameOf = (attachment: ListedAttachment): string =>
  attachment.fileName?.trim() ||
  `attachment-${attachment.index + 1}${isCsvAttachment(attachment) ? '.csv' : ''}`;

export const NO_ATTACHMENT_NAME = '(no attachment)';
export const WHOLE_EMAIL_NAME = '(whole email)';

/**
 * One task per CSV attachment; one VALIDATION_FAILED task per other attachment, per CSV attachment that
 * is empty or whose transfer encoding could not be decoded, saying why; and one for
 * the message when it has no attachment at all. Inline parts the body shows (a signature's logo) are
 * part of the text, not attachments, and make no task.
 */
export const planTasks = (attachments: readonly ListedAttachment[]): PlannedTask[] => {
  const attached = attachments.filter((attachment) => !attachment.related);
  if (attached.length === 0) {
    return [
      {
        slot: 'message',
        fileName: NO_ATTACHMENT_NAME,
        kind: 'rejected',
        reason: 'The email has no attachment: attach the CSV file to import and send it again',
      },
    ];
  }
  return attached.map((attachment): PlannedTask => {
    const fileName = nameOf(attachment);
    const rejected = (reason: string): PlannedTask => ({
      slot: attachment.index,
      fileName,
      size: attachment.size,
      kind: 'rejected',
      reason,
    });
    if (isCsvAttachment(attachment)) {
      if (attachment.undecodable !== undefined) {
        return rejected(
          `${fileName} could not be decoded: it was sent as base64, but ${attachment.undecodable}. Attach the file again in a new email, or upload it in the console`,
        );
      }
      if (attachment.size === 0) {
        return rejected(
          `${fileName} is empty (0 bytes): attach the CSV file with its header and rows and send it again`,
        );
      }
      return { slot: attachment.index, fileName, size: attachment.size, kind: 'csv' };
    }
    return rejected(
      `${fileName} is not a CSV file (${attachment.contentType}): save it as CSV (comma-separated values) and send it again`,
    );
  });
};

/** The one task of a message that cannot be read as sent (too big, too many parts, unreadable). */
export const rejectMessage = (reason: string): PlannedTask[] => [
  { slot: 'message', fileName: WHOLE_EMAIL_NAME, kind: 'rejected', reason },
];

/**
 * The import id of a message's task: derived from the message id and the slot, so SES or Lambda
 * delivering the message twice finds the tasks of the first delivery instead of making new ones.
 * UUID-shaped (version 5 layout), as upload import ids are.
 */
export const emailImportId = (messageId: string, slot: TaskSlot): string => {
  const hex = createHash('sha256').update(`email-import:${messageId}:${slot}`).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
