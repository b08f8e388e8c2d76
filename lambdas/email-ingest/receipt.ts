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
      /** The message's header lines in order, those SES added on receipt (on top) included. */
      headers: z.array(z.object({ name: z.string(), value: z.string() })).optional(),
    }),
    receipt: z.object({
      recipients: z.array(z.string()),
      spamVerdict: verdict,
      virusVerdict: verdict,
      spfVerdict: verdict,
      dkimVerdict: verdict,
      dmarcVerdict: verdict,
    }),
  }),
});

export const sesReceiptEventSchema = z.object({ Records: z.array(sesReceiptRecordSchema).min(1) });

/** The verdicts ingest reads. */
export const VERDICTS = ['spam', 'virus', 'spf', 'dkim', 'dmarc'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The authentication service id SES writes in the `Authentication-Results` header it adds. */
export const SES_AUTHSERV_ID = 'amazonses.com';

/** An `Authentication-Results` value is short; a longer one is not SES's and is not read. */
const MAX_AUTHENTICATION_RESULTS_CHARS = 4096;

export interface EmailReceipt {
  messageId: string;
  receivedAt: string;
  /** Envelope recipients the receipt rule matched, in order. */
  recipients: string[];
  /** Status per verdict (`PASS`, `FAIL`, `GRAY`, `PROCESSING_FAILED`); absent when SES gave none. */
  verdicts: Partial<Record<Verdict, string>>;
  /**
   * The topmost `Authentication-Results` header when SES wrote it (authserv-id `amazonses.com`). SES adds
   * its own above every header of the message, so a header the sender wrote lower down is never read.
   */
  authenticationResults?: string;
}

export const toEmailReceipt = (record: z.infer<typeof sesReceiptRecordSchema>): EmailReceipt => {
  const { mail, receipt } = record.ses;
  const statuses: Record<Verdict, string | undefined> = {
    spam: receipt.spamVerdict?.status,
    virus: receipt.virusVerdict?.status,
    spf: receipt.spfVerdict?.status,
    dkim: receipt.dkimVerdict?.status,
    dmarc: receipt.dmarcVerdict?.status,
  };
  const topmost = mail.headers?.find((header) => header.name.toLowerCase() === 'authentication-results');
  const authenticationResults =
    topmost && authservId(topmost.value) === SES_AUTHSERV_ID ? topmost.value : undefined;
  return {
    messageId: mail.messageId,
    receivedAt: mail.timestamp,
    recipients: receipt.recipients,
    verdicts: Object.fromEntries(
      Object.entries(statuses).filter((entry): entry is [Verdict, string] => entry[1] !== undefined),
    ),
    ...(authenticationResults !== undefined ? { authenticationResults } : {}),
  };
};

const statusOf = (receipt: EmailReceipt, name: Verdict): string =>
  receipt.verdicts[name]?.toUpperCase() ?? 'absent';

/**
 * Why the scans or checks rule the message out, if they do: a spam or virus verdict other than PASS (SES
 * gives PASS when it scanned and found nothing), or an SPF or DKIM verdict of FAIL.
 */
export const failedVerdict = (receipt: EmailReceipt): string | undefined => {
  for (const name of ['spam', 'virus'] as const) {
    const status = statusOf(receipt, name);
    if (status !== 'PASS') return `${name} verdict is ${status}`;
  }
  for (const name of ['spf', 'dkim'] as const) {
    if (statusOf(receipt, name) === 'FAIL') return `${name} verdict is FAIL`;
  }
  return undefined;
};

/** The text with RFC 5322 comments (parenthesised, possibly nested) left out; one pass, no backtracking. */
const withoutComments = (text: string): string => {
  let depth = 0;
  let out = '';
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (char === '\\' && depth > 0) at += 1;
    else if (char === '(') depth += 1;
    else if (char === ')' && depth > 0) depth -= 1;
    else if (depth === 0) out += char;
  }
  return out;
};

const authservId = (value: string): string | undefined => {
  if (value.length > MAX_AUTHENTICATION_RESULTS_CHARS) return undefined;
  const first = withoutComments(value).split(';', 1)[0]?.trim().split(/\s+/, 1)[0];
  return first ? first.toLowerCase() : undefined;
};

/** Domains of the DKIM signatures that passed, from an `Authentication-Results` value (header.d or header.i). */
export const passingDkimDomains = (authenticationResults: string): string[] => {
  if (authenticationResults.length > MAX_AUTHENTICATION_RESULTS_CHARS) return [];
  const domains: string[] = [];
  const [, ...results] = withoutComments(authenticationResults).split(';');
  for (const result of results) {
    const [method, ...properties] = result.trim().split(/\s+/);
    if (method?.toLowerCase() !== 'dkim=pass') continue;
    for (const property of properties) {
      const equals = property.indexOf('=');
      const name = property.slice(0, equals).toLowerCase();
      const value = property.slice(equals + 1).toLowerCase();
      if (name === 'header.d' && value) domains.push(value);
      else if (name === 'header.i' && value.includes('@'))
        domains.push(value.slice(value.lastIndexOf('@') + 1));
    }
  }
  return domains;
};

/**
 * Relaxed DMARC alignment without a public-suffix list: the same domain, or one a subdomain of the other
 * where the shorter has at least two labels. A signature that passes for a parent domain proves its signer
 * holds that domain's key, which no third party can, so the shortcut admits nobody DMARC would refuse.
 */
export const aligned = (signingDomain: string, fromDomain: string): boolean => {
  const [shorter, longer] =
    signingDomain.length <= fromDomain.length ? [signingDomain, fromDomain] : [fromDomain, signingDomain];
  if (shorter === longer) return shorter.length > 0;
  return shorter.split('.').length >= 2 && longer.endsWith(`.${shorter}`);
};

/**
 * Whether the message really comes from the domain of its From address (DESIGN §6): the From domain
 * passes DMARC, or SES found a passing DKIM signature aligned with it. The From header alone proves
 * nothing; an SPF pass speaks for the envelope domain, which any sender chooses. Returns why not.
 */
export const unauthenticatedSender = (receipt: EmailReceipt, from: string): string | undefined => {
  const fromDomain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  if (statusOf(receipt, 'dmarc') === 'PASS') return undefined;
  const signers =
    statusOf(receipt, 'dkim') === 'PASS' && receipt.authenticationResults
      ? passingDkimDomains(receipt.authenticationResults)
      : [];
  if (signers.some((domain) => aligned(domain, fromDomain))) return undefined;
  const dkim =
    signers.length === 0
      ? 'no passing DKIM signature'
      : `DKIM passes only for ${signers.join(', ')}, not aligned with it`;
  return `the From domain ${fromDomain} is not authenticated: DMARC ${statusOf(receipt, 'dmarc')} and ${dkim}`;
};
