import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { EmailIngestDeps } from '../../../lambdas/email-ingest/email-ingest';
import type { EmailReceipt } from '../../../lambdas/email-ingest/receipt';
import type { EmailSettings } from '../../../lambdas/shared/email-settings';
import type { FinalizeMessage } from '../../../lambdas/shared/model';
import { inboundKey } from '../../../lambdas/shared/object-keys';
import {
  FakeEmailMessageStore,
  FakeObjectStore,
  FakeQueue,
  FakeSettingsStore,
  FakeTaskStore,
} from '../../helpers/fakes';

/** Real MIME, built by nodemailer as a mail client would send it. */
export const buildMail = (options: Mail.Options): Promise<Buffer> =>
  new MailComposer({
    from: 'Alice Example <alice@example.com>',
    to: 'users@imports.example.com',
    subject: 'New users',
    text: 'Please import the attached file.',
    ...options,
  })
    .compile()
    .build();

export const USERS_CSV = 'email,first_name,last_name,role\r\nada@example.com,Ada,Lovelace,admin\r\n';
export const DEPARTMENTS_CSV = 'code,name\r\nENG,Engineering\r\n';

export const SETTINGS: EmailSettings = {
  enabled: true,
  addresses: [
    { address: 'users@imports.example.com', templateId: 'users' },
    { address: 'departments@imports.example.com', templateId: 'departments' },
  ],
  allowedSenders: ['alice@example.com', '*@partner.example'],
  replyToSender: true,
};

export const receiptFor = (messageId: string, overrides: Partial<EmailReceipt> = {}): EmailReceipt => ({
  messageId,
  receivedAt: '2026-11-22T09:30:00.000Z',
  recipients: ['users@imports.example.com'],
  verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  ...overrides,
});

/** Ingest over in-memory fakes, with the settings above saved; null: nothing was ever saved. */
export const createIngestHarness = (settings: EmailSettings | null = SETTINGS) => {
  const objects = new FakeObjectStore();
  const tasks = new FakeTaskStore();
  const settingsStore = new FakeSettingsStore();
  settingsStore.email = settings ?? undefined;
  const messages = new FakeEmailMessageStore();
  const finalize = new FakeQueue<FinalizeMessage>();
  const logger = { info: jest.fn(), warn: jest.fn() };
  const deps: EmailIngestDeps = {
    objects,
    tasks,
    settings: settingsStore,
    messages,
    replies: finalize,
    limits: { MAX_EMAIL_BYTES: 40 * 1024 * 1024, MAX_EMAIL_PARTS: 200, MAX_EMAIL_DEPTH: 10 },
    logger,
    now: () => new Date('2026-11-22T09:30:05.000Z'),
  };
  /** Stores a raw message as the SES receipt rule's S3 action does. */
  const receive = async (messageId: string, raw: Buffer) => {
    await objects.put(inboundKey(messageId), raw, 'message/rfc822');
  };
  return { deps, objects, tasks, settings: settingsStore, messages, finalize, logger, receive };
};
