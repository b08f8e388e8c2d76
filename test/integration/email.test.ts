import { execFile } from 'node:child_process';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { z } from 'zod';
import { isFinalStatus, type Task, taskSchema } from '../../lambdas/shared/model';
import { LocalStack, uniqueTag } from '../helpers/local-stack';

/**
 * Import by email on the real local stack: messages go in through its SMTP receiver (playing SES
 * receiving), become tasks visible through the API, and the reply comes out in the SES emulator's mailbox.
 */

jest.setTimeout(240_000);

let stack: LocalStack;
let admin: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const mailboxSchema = z.object({
  emails: z.array(
    z.object({
      from: z.string(),
      destination: z.object({ to: z.array(z.string()) }),
      subject: z.string(),
      body: z.object({ text: z.string().optional(), html: z.string().optional() }),
    }),
  ),
});
type SentMail = z.infer<typeof mailboxSchema>['emails'][number];

const send = async (mail: Mail.Options) => {
  return await stack.sendMail({
    from: 'Alice <alice@example.com>',
    to: 'users@imports.localhost',
    ...mail,
  });
};

const mailbox = async (): Promise<SentMail[]> => {
  const response = await fetch(`http://127.0.0.1:${stack.ports.ses}/store`);
  return mailboxSchema.parse(await response.json()).emails;
};

const tasksWithSubject = async (subject: string): Promise<Task[]> => {
  const page = await stack.get('/api/imports?limit=100', admin);
  const items = z.object({ items: z.array(taskSchema) }).parse(page.body).items;
  return items.filter((task) => task.email?.subject === subject);
};

/** Waits until the email's tasks exist and are all final. */
const finalTasksOf = async (subject: string, count: number): Promise<Task[]> => {
  const deadline = Date.now() + 90_000;
  let tasks: Task[] = [];
  while (Date.now() < deadline) {
    tasks = await tasksWithSubject(subject);
    if (tasks.length === count && tasks.every((task) => isFinalStatus(task.status))) {
      return tasks.sort((a, b) => a.fileName.localeCompare(b.fileName));
    }
    await sleep(250);
  }
  throw new Error(`Tasks of "${subject}": ${JSON.stringify(tasks)}\n${stack.logs().slice(-4000)}`);
};

const replyTo = async (subject: string): Promise<SentMail> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const reply = (await mailbox()).find((mail) => mail.subject === `Import results: ${subject}`);
    if (reply) return reply;
    await sleep(250);
  }
  throw new Error(`No reply to "${subject}"\n${stack.logs().slice(-4000)}`);
};

/** Waits until ingest has logged `outcome` for at least `messageCount` messages. */
const ingestOutcome = async (messageCount: number, outcome: string): Promise<void> => {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const handled = stack
      .logs()
      .match(new RegExp(`"message":"Message handled".*?"outcome":"${outcome}"`, 'g'));
    if ((handled?.length ?? 0) >= messageCount) return;
    await sleep(200);
  }
  throw new Error(`ingest never logged ${outcome}\n${stack.logs().slice(-4000)}`);
};

beforeAll(async () => {
  stack = await LocalStack.start();
  admin = await stack.token('admin');
  await stack.saveEmailSettings(admin, {
    enabled: true,
    addresses: [
      { address: 'users@imports.localhost', templateId: 'users' },
      { address: 'departments@imports.localhost', templateId: 'departments' },
    ],
    allowedSenders: ['*@example.com'],
    replyToSender: true,
  });
});

afterAll(async () => {
  await stack?.dispose();
});

describe('import by email on the local stack', () => {
  it('imports each CSV attachment as a task, rejects the spreadsheet, and replies once with links', async () => {
    // Prepare
    const tag = uniqueTag();
    const subject = `New users ${tag}`;
    const csv = [
      'email,first_name,last_name,role',
      `ada.${tag}@example.com,Ada,Lovelace,admin`,
      `not-an-email-${tag},Bob,Broken,member`,
      `grace.${tag}@example.com,Grace,Hopper,manager`,
    ].join('\r\n');

    // Act
    const sent = await send({
      subject,
      text: 'Two files attached.',
      attachments: [
        { filename: 'users.csv', content: `${csv}\r\n` },
        { filename: 'users.xlsx', content: Buffer.from('PK\u0003\u0004 workbook') },
      ],
    });
    const [csvTask, sheetTask] = await finalTasksOf(subject, 2);
    const reply = await replyTo(subject);

    // Assess
    expect(sent.response).toMatch(/^250 /);
    expect(csvTask).toMatchObject({
      fileName: 'users.csv',
      source: 'email',
      email: { from: 'alice@example.com', subject },
      status: 'PARTIAL_SUCCESS',
      totalRows: 3,
      successCount: 2,
      errorCount: 1,
      createdBy: 'alice@example.com',
    });
    expect(sheetTask).toMatchObject({ fileName: 'users.xlsx', status: 'VALIDATION_FAILED' });
    expect(sheetTask?.statusReason).toContain('users.xlsx is not a CSV file');

    expect(reply.destination.to).toEqual(['alice@example.com']);
    // One reply per email, not per attachment, however the two tasks' ends raced.
    await sleep(1000);
    expect((await mailbox()).filter((mail) => mail.subject === reply.subject)).toHaveLength(1);
    expect(reply.from).toBe('no-reply@imports.localhost');
    const text = reply.body.text ?? '';
    expect(text).toContain('users.csv: Partial Success\n  3 rows: 2 imported, 1 failed');
    expect(text).toContain(`Row 3, email: INVALID_FORMAT`);
    expect(text).toContain('users.xlsx: Validation Failed');
    expect(text).toMatch(/The report links work until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    const exceptionsUrl = /Exceptions report: (\S+)/.exec(text)?.[1] ?? '';
    const exceptions = await fetch(exceptionsUrl);
    expect(exceptions.status).toBe(200);
    expect(await exceptions.text()).toContain(`not-an-email-${tag},Bob,Broken,member,3,INVALID_FORMAT`);

    // The raw message is kept, and downloadable from the task.
    const link = await stack.get(`/api/imports/${csvTask?.importId}/links/email`, admin);
    expect(link.status).toBe(200);
    const raw = await (await fetch(z.object({ url: z.string() }).parse(link.body).url)).text();
    expect(raw).toContain(`Subject: ${subject}`);
    expect(raw).toContain('filename=users.xlsx');
  });

  it('routes by address: a quoted-printable CSV and one inside a forwarded message become departments', async () => {
    // Prepare
    const tag = uniqueTag().toUpperCase();
    const subject = `Fwd: departments ${tag}`;
    const forwarded = await new Promise<Buffer>((resolve, reject) => {
      nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(
        {
          from: 'bob@partner.example',
          to: 'alice@example.com',
          subject: 'the departments',
          attachments: [{ filename: 'nested.csv', content: `code,name\r\nN${tag},Nested ${tag}\r\n` }],
        },
        (error, info) => (error ? reject(error) : resolve(info.message as Buffer)),
      );
    });

    // Act
    await send({
      to: 'departments@imports.localhost',
      subject,
      attachments: [
        {
          filename: 'départements.csv',
          content: `code,name\r\nQ${tag},Qualité ${tag}\r\n`,
          contentTransferEncoding: 'quoted-printable',
        },
        {
          filename: 'fwd.eml',
          content: forwarded,
          contentType: 'message/rfc822',
          contentDisposition: 'attachment',
        },
      ],
    });
    const tasks = await finalTasksOf(subject, 2);
    const reply = await replyTo(subject);

    // Assess
    expect(tasks.map((task) => [task.fileName, task.templateId, task.status, task.successCount])).toEqual([
      ['départements.csv', 'departments', 'COMPLETED', 1],
      ['nested.csv', 'departments', 'COMPLETED', 1],
    ]);
    expect(reply.body.text).toContain('carried 2 files: 2 completed.');
  });

  it('shows an email without attachment as a VALIDATION_FAILED task and says so in the reply', async () => {
    // Prepare
    const subject = `Forgot the file ${uniqueTag()}`;

    // Act
    await send({ subject, text: 'Here it is!' });
    const [task] = await finalTasksOf(subject, 1);
    const reply = await replyTo(subject);

    // Assess
    expect(task).toMatchObject({ fileName: '(no attachment)', status: 'VALIDATION_FAILED' });
    expect(reply.body.text).toContain('The email has no attachment');
  });

  it('drops mail from a stranger and mail whose verdict is FAIL: no task, no reply', async () => {
    // Prepare
    const stranger = `From a stranger ${uniqueTag()}`;
    const spoofed = `Failed SPF ${uniqueTag()}`;
    const csv = { filename: 'users.csv', content: 'email,first_name,last_name,role\r\n' };

    // Act
    await send({ from: 'mallory@evil.example', subject: stranger, attachments: [csv] });
    await send({ subject: spoofed, headers: { 'X-Local-SES-Verdicts': 'spf=FAIL' }, attachments: [csv] });
    await ingestOutcome(1, 'stranger');
    await ingestOutcome(1, 'failed-verdict');

    // Assess
    expect(await tasksWithSubject(stranger)).toEqual([]);
    expect(await tasksWithSubject(spoofed)).toEqual([]);
    const subjects = (await mailbox()).map((mail) => mail.subject);
    expect(subjects).not.toContain(`Import results: ${stranger}`);
    expect(subjects).not.toContain(`Import results: ${spoofed}`);
  });

  it('drops an allowed From written by anyone else (swaks, DMARC GRAY or FAIL), imports it once DKIM aligns', async () => {
    // Prepare: swaks, a mail client of its own, writing an allowed sender's From header.
    const tag = uniqueTag();
    const swaks = (subject: string, verdicts: string) =>
      new Promise<void>((resolve, reject) => {
        execFile(
          'swaks',
          [
            '--server',
            `127.0.0.1:${stack.ports.smtp}`,
            '--from',
            'x@attacker.example',
            '--to',
            'users@imports.localhost',
            '--header',
            `From: HR <alice@example.com>`,
            '--header',
            `Subject: ${subject}`,
            '--header',
            `X-Local-SES-Verdicts: ${verdicts}`,
            '--attach-type',
            'text/csv',
            '--attach-name',
            'users.csv',
            '--attach',
            '-',
            '--silent',
            '2',
          ],
          (error) => (error ? reject(error) : resolve()),
        ).stdin?.end(`email,first_name,last_name,role\r\nswaks-${tag}@example.com,Sw,Aks,member\r\n`);
      });
    const gray = `Spoofed, DMARC GRAY ${tag}`;
    const failed = `Spoofed, DMARC FAIL ${tag}`;
    const signed = `Signed by its own domain ${tag}`;

    // Act
    await swaks(gray, 'dmarc=GRAY, spf=PASS');
    await swaks(failed, 'dmarc=FAIL, spf=PASS');
    await ingestOutcome(2, 'unauthenticated');
    await swaks(signed, 'dmarc=GRAY, dkim=PASS');
    const [imported] = await finalTasksOf(signed, 1);

    // Assess
    expect(await tasksWithSubject(gray)).toEqual([]);
    expect(await tasksWithSubject(failed)).toEqual([]);
    expect(stack.logs()).toContain(
      'the From domain example.com is not authenticated: DMARC GRAY and no passing DKIM signature',
    );
    expect(stack.logs()).toContain(
      'the From domain example.com is not authenticated: DMARC FAIL and no passing DKIM signature',
    );
    expect(imported).toMatchObject({ fileName: 'users.csv', status: 'COMPLETED', successCount: 1 });
  });

  it('refuses a message over the 40 MB SES limit at the SMTP level', async () => {
    // Prepare: 31 MB of CSV, about 42 MB once base64-encoded.
    const big = Buffer.alloc(31 * 1024 * 1024, 'a');

    // Act
    const sending = send({
      subject: `Too big ${uniqueTag()}`,
      attachments: [{ filename: 'big.csv', content: big }],
    });

    // Assess
    await expect(sending).rejects.toMatchObject({ responseCode: 552 });
  });
});
