import type { SESEvent, SESReceiptStatus } from 'aws-lambda';
import type { HeaderValue } from 'mailparser';

/**
 * The event an SES receipt rule's Lambda action sends, built from what the local SMTP receiver saw:
 * the envelope, the stored message's headers and the verdicts. SES scans for spam and viruses and checks
 * SPF, DKIM and DMARC; locally nothing is scanned or checked: spam, virus and DMARC read PASS (mail to the
 * loopback receiver is taken as the sender's own) and SPF and DKIM GRAY, unless a test message asks for
 * other verdicts (see `verdictsFromHeader`). Like SES, the event lists an `Authentication-Results` header
 * of its own above the message's headers, saying the same as the verdicts.
 */

export type VerdictName = 'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc';
export type Verdicts = Record<VerdictName, SESReceiptStatus['status']>;

export const DEFAULT_LOCAL_VERDICTS: Verdicts = {
  spam: 'PASS',
  virus: 'PASS',
  spf: 'GRAY',
  dkim: 'GRAY',
  dmarc: 'PASS',
};

/** A header only the local receiver reads, to try the drop rules: `X-Local-SES-Verdicts: spf=FAIL, spam=FAIL`. */
export const LOCAL_VERDICTS_HEADER = 'x-local-ses-verdicts';

const STATUSES: ReadonlySet<string> = new Set(['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED']);

/** The local defaults with what `X-Local-SES-Verdicts` asks for; unknown names or statuses are ignored. */
export const verdictsFromHeader = (value: string | undefined): Verdicts => {
  const verdicts = { ...DEFAULT_LOCAL_VERDICTS };
  for (const pair of (value ?? '').split(',')) {
    const [name, status] = pair.split('=').map((part) => part.trim());
    const key = name?.toLowerCase();
    const upper = status?.toUpperCase();
    if (key && key in verdicts && upper && STATUSES.has(upper)) {
      verdicts[key as VerdictName] = upper as SESReceiptStatus['status'];
    }
  }
  return verdicts;
};

export interface ReceivedMessage {
  messageId: string;
  receivedAt: Date;
  /** Envelope sender (`MAIL FROM`), empty for bounces. */
  mailFrom: string;
  /** Envelope recipients (`RCPT TO`), in order. */
  recipients: string[];
  /** Parsed top-level headers of the message. */
  headers: Map<string, HeaderValue>;
  /** Raw header lines, as SES lists them. */
  headerLines: readonly { key: string; line: string }[];
  verdicts: Verdicts;
  bucket: string;
  objectKey: string;
  functionArn: string;
}

const firstAddress = (value: HeaderValue | undefined): string | undefined => {
  if (!value || typeof value !== 'object' || !('value' in value) || !Array.isArray(value.value))
    return undefined;
  const [first] = value.value as { address?: string }[];
  return first?.address;
};

/**
 * The header SES adds on receipt (`Authentication-Results: amazonses.com; spf=…; dkim=…; dmarc=…`), from the
 * verdicts: a DKIM pass is for a signature of the From domain, as when a domain signs its own mail.
 */
export const sesAuthenticationResults = (
  verdicts: Verdicts,
  mailFrom: string,
  fromAddress: string | undefined,
) => {
  const fromDomain = fromAddress?.slice(fromAddress.lastIndexOf('@') + 1).toLowerCase() ?? '';
  return [
    'amazonses.com',
    ` spf=${verdicts.spf.toLowerCase()} smtp.mailfrom=${mailFrom || '<>'}`,
    ` dkim=${verdicts.dkim.toLowerCase()} header.i=@${fromDomain}`,
    ` dmarc=${verdicts.dmarc.toLowerCase()} header.from=${fromDomain}`,
  ].join(';');
};

const addressTexts = (value: HeaderValue | undefined): string[] | undefined => {
  if (!value || typeof value !== 'object' || !('text' in value)) return undefined;
  return [String(value.text)];
};

const text = (value: HeaderValue | undefined): string | undefined =>
  typeof value === 'string' ? value : value instanceof Date ? value.toUTCString() : undefined;

/** The SES receipt event (Lambda action, asynchronous invocation) for one received message. */
export const sesReceiptEvent = (message: ReceivedMessage): SESEvent => {
  const { headers, verdicts } = message;
  const from = addressTexts(headers.get('from'));
  const to = addressTexts(headers.get('to'));
  const subject = text(headers.get('subject'));
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp: message.receivedAt.toISOString(),
            source: message.mailFrom,
            messageId: message.messageId,
            destination: message.recipients,
            headersTruncated: false,
            headers: [
              {
                name: 'Authentication-Results',
                value: sesAuthenticationResults(
                  verdicts,
                  message.mailFrom,
                  firstAddress(headers.get('from')),
                ),
              },
              ...message.headerLines.map(({ line }) => {
                const colon = line.indexOf(':');
                return { name: line.slice(0, colon), value: line.slice(colon + 1).trim() };
              }),
            ],
            commonHeaders: {
              returnPath: message.mailFrom,
              ...(from ? { from } : {}),
              ...(to ? { to } : {}),
              date: text(headers.get('date')) ?? message.receivedAt.toUTCString(),
              messageId: text(headers.get('message-id')) ?? '',
              ...(subject !== undefined ? { subject } : {}),
            },
          },
          receipt: {
            timestamp: message.receivedAt.toISOString(),
            processingTimeMillis: 0,
            recipients: message.recipients,
            spamVerdict: { status: verdicts.spam },
            virusVerdict: { status: verdicts.virus },
            spfVerdict: { status: verdicts.spf },
            dkimVerdict: { status: verdicts.dkim },
            dmarcVerdict: { status: verdicts.dmarc },
            action: { type: 'Lambda', functionArn: message.functionArn, invocationType: 'Event' },
          },
        },
      },
    ],
  };
};
