import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { sesReceiptEventSchema, toEmailReceipt } from '../../../../lambdas/email-ingest/receipt';
import { EMAIL_INGEST_FAILURES } from '../../../../lambdas/shared/resource-definitions';
import {
  DEFAULT_LOCAL_VERDICTS,
  sesReceiptEvent,
  verdictsFromHeader,
} from '../../../../local/events/ses-receipt-event';
import {
  type AsyncFailureRecord,
  deliverReceipt,
  INVOKE_RETRY_DELAYS_MS,
} from '../../../../local/events/smtp-receiver';
import { ReceiptJournal } from '../../../../local/journals/receipt-journal';
import { createLog } from '../../../../local/log';
import { buildMail } from '../../email-ingest/mail';

/** The local stand-in for SES receiving: the event it builds, its journal, and its delivery retries. */

const quietLog = () => createLog('test', () => undefined);

const eventFor = async (verdicts = DEFAULT_LOCAL_VERDICTS) => {
  const parsed = await simpleParser(
    await buildMail({ from: '"Alice" <alice@example.com>', to: 'users@imports.localhost', subject: 'Hello' }),
  );
  return sesReceiptEvent({
    messageId: 'a1b2c3',
    receivedAt: new Date('2026-11-22T09:30:00.000Z'),
    mailFrom: 'bounces@example.com',
    recipients: ['users@imports.localhost'],
    headers: parsed.headers,
    headerLines: parsed.headerLines,
    verdicts,
    bucket: 'bulk-imports-local',
    objectKey: 'inbound/a1b2c3',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:email-ingest',
  });
};

describe('local SES receipt event', () => {
  it('has the shape email ingest parses, with the message headers SES would list', async () => {
    // Act
    const event = await eventFor();

    // Assess
    const [record] = sesReceiptEventSchema.parse(event).Records;
    if (!record) throw new Error('the event has no record');
    const receipt = toEmailReceipt(record);
    expect(receipt).toEqual({
      messageId: 'a1b2c3',
      receivedAt: '2026-11-22T09:30:00.000Z',
      recipients: ['users@imports.localhost'],
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'GRAY', dmarc: 'PASS' },
      authenticationResults:
        'amazonses.com; spf=gray smtp.mailfrom=bounces@example.com; dkim=gray header.i=@example.com; dmarc=pass header.from=example.com',
    });
    const mail = event.Records[0]?.ses.mail;
    expect(mail?.commonHeaders).toMatchObject({
      from: ['"Alice" <alice@example.com>'],
      to: ['users@imports.localhost'],
      subject: 'Hello',
      returnPath: 'bounces@example.com',
    });
    expect(mail?.headers).toContainEqual({ name: 'Subject', value: 'Hello' });
    expect(event.Records[0]?.ses.receipt.action).toMatchObject({ type: 'Lambda', invocationType: 'Event' });
  });

  it('says what a test message asks for in its Authentication-Results, as SES would', async () => {
    // Act
    const event = await eventFor({ ...DEFAULT_LOCAL_VERDICTS, dmarc: 'FAIL', dkim: 'PASS' });

    // Assess
    const [record] = sesReceiptEventSchema.parse(event).Records;
    if (!record) throw new Error('the event has no record');
    expect(toEmailReceipt(record)).toMatchObject({
      verdicts: { dmarc: 'FAIL', dkim: 'PASS' },
      authenticationResults: expect.stringContaining('dkim=pass header.i=@example.com; dmarc=fail'),
    });
  });

  it('takes the verdicts a test message asks for, and ignores what it cannot read', () => {
    expect(verdictsFromHeader('spf=fail, Spam=FAIL, dkim=maybe, nonsense, virus=')).toEqual({
      ...DEFAULT_LOCAL_VERDICTS,
      spf: 'FAIL',
      spam: 'FAIL',
    });
    expect(verdictsFromHeader(undefined)).toEqual(DEFAULT_LOCAL_VERDICTS);
  });
});

describe('receipt journal and delivery', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'receipt-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps an event until it is delivered, oldest first, and sets unreadable entries aside', async () => {
    // Prepare
    const journal = new ReceiptJournal(dir);
    const event = await eventFor();
    const first = await journal.record({ event }, new Date('2026-11-22T09:00:00.000Z'));
    await journal.record({ event }, new Date('2026-11-22T09:01:00.000Z'));
    await writeFile(join(dir, '000000000000001-broken.json'), '{not json');

    // Act
    const pending = await journal.pending(quietLog());
    await journal.clear(first.id);

    // Assess
    expect(pending.map((entry) => entry.id)).toEqual([first.id, expect.any(String)]);
    expect(pending[0]?.event).toEqual(event);
    expect((await journal.pending(quietLog())).length).toBe(1);
    expect(await readdir(dir)).toContain('000000000000001-broken.json.corrupt');
  });

  it('retries a failed ingest like Lambda retries an asynchronous invocation, then clears the entry', async () => {
    // Prepare
    const journal = new ReceiptJournal(dir);
    const entry = await journal.record({ event: await eventFor() });
    const invoke = jest
      .fn()
      .mockRejectedValueOnce(new Error('cold start failed'))
      .mockResolvedValueOnce(undefined);

    // Act
    const delivered = await deliverReceipt(
      { journal, ingest: { name: 'email-ingest', invoke }, failures: { send: jest.fn() }, log: quietLog() },
      entry,
      [1],
    );

    // Assess
    expect(delivered).toBe(true);
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(await journal.pending(quietLog())).toEqual([]);
  });

  it('after the retries hands the event to the failure queue as Lambda does, logs it, and clears the entry', async () => {
    // Prepare
    const journal = new ReceiptJournal(dir);
    const event = await eventFor();
    const entry = await journal.record({ event });
    const invoke = jest.fn().mockRejectedValue(new TypeError('always fails'));
    const sent: AsyncFailureRecord[] = [];
    const lines: string[] = [];

    // Act
    const delivered = await deliverReceipt(
      {
        journal,
        ingest: { name: 'email-ingest', invoke },
        failures: { send: async (record) => void sent.push(record) },
        log: createLog('smtp', (line) => lines.push(line)),
      },
      entry,
      [1, 1],
    );

    // Assess
    expect(delivered).toBe(false);
    expect(invoke).toHaveBeenCalledTimes(3);
    expect(sent).toEqual([
      {
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        requestContext: {
          requestId: expect.any(String),
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:email-ingest',
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: { errorType: 'TypeError', errorMessage: 'always fails' },
      },
    ]);
    expect(lines.join('\n')).toContain('email ingest failed on every attempt');
    expect(lines.join('\n')).toContain('EmailIngestFailuresAlarm');
    expect(await journal.pending(quietLog())).toEqual([]);
  });

  it('keeps the journal entry when the failure queue cannot take the event, so the next start replays it', async () => {
    // Prepare
    const journal = new ReceiptJournal(dir);
    const entry = await journal.record({ event: await eventFor() });
    const invoke = jest.fn().mockRejectedValue(new Error('always fails'));

    // Act
    const delivered = await deliverReceipt(
      {
        journal,
        ingest: { name: 'email-ingest', invoke },
        failures: {
          send: async () => {
            throw new Error('queue unreachable');
          },
        },
        log: quietLog(),
      },
      entry,
      [1],
    );

    // Assess
    expect(delivered).toBe(false);
    expect((await journal.pending(quietLog())).map((pending) => pending.id)).toEqual([entry.id]);
  });

  it('retries exactly as many times as the deployed function (EMAIL_INGEST_FAILURES.retryAttempts)', () => {
    expect(INVOKE_RETRY_DELAYS_MS).toHaveLength(EMAIL_INGEST_FAILURES.retryAttempts);
  });
});
