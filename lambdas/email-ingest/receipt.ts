import { z } from 'zod';

/**
 * The SES receipt event of a Lambda action (invoked after the S3 action stored the raw message), reduced
 * to what ingest needs. Only the fields read are checked; SES adds others.
 */

const verdict = z.object({ status: z.string() }).optional();

export const sesReceiptRecordSchema = z.object({
  eventSource: z.literal('aws:ses'),
  ses: z.object({
    mail: z.object({
      messageId: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'not an SES message id'),
      timestamp: z.iso.datetime({ offset: true }),
    }),
    receipt: z.object({
      recipients: z.array(z.string()),
      spamVerdict: verdict,
      virusVerdict: verdict,
      spfVerdict: verdict,
      dkimVerdict: verdict,
    }),
  }),
});

export const sesReceiptEventSchema = z.object({ Records: z.array(sesReceiptRecordSchema).min(1) });

/** The verdicts ingest acts on: a FAIL in any of them drops the message. */
export const VERDICTS = ['spam', 'virus', 'spf', 'dkim'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface EmailReceipt {
  messageId: string;
  receivedAt: string;
  /** Envelope recipients the receipt rule matched, in order. */
  recipients: string[];
  /** Status per verdict (`PASS`, `FAIL`, `GRAY`, `PROCESSING_FAILED`); absent when SES gave none. */
  verdicts: Partial<Record<Verdict, string>>;
}

export const toEmailReceipt = (record: z.infer<typeof sesReceiptRecordSchema>): EmailReceipt => {
  const { mail, receipt } = record.ses;
  const statuses: Record<Verdict, string | undefined> = {
    spam: receipt.spamVerdict?.status,
    virus: receipt.virusVerdict?.status,
    spf: receipt.spfVerdict?.status,
    dkim: receipt.dkimVerdict?.status,
  };
  return {
    messageId: mail.messageId,
    receivedAt: mail.timestamp,
    recipients: receipt.recipients,
    verdicts: Object.fromEntries(
      Object.entries(statuses).filter((entry): entry is [Verdict, string] => entry[1] !== undefined),
    ),
  };
};

/** The first verdict that failed, if any. */
export const failedVerdict = (receipt: EmailReceipt): Verdict | undefined =>
  VERDICTS.find((name) => receipt.verdicts[name]?.toUpperCase() === 'FAIL');
