import { gzipSync } from 'node:zlib';
import { Base64Check } from '../../../lambdas/email-ingest/base64-check';
import { IngestOutcome, ingestEmail } from '../../../lambdas/email-ingest/email-ingest';
import { emailImportId } from '../../../lambdas/email-ingest/plan';
import type { TaskRecord } from '../../../lambdas/shared/model';
import { buildMail, createIngestHarness, receiptFor, USERS_CSV } from './mail';

/**
 * Email ingest on messages no mail client writes, built by hand: header blocks over the limit, base64
 * that is not base64, empty attachments and messages without a single sender. Each must end in a
 * reason that names the problem and where it is, or be dropped with that reason in the result.
 */

type Harness = ReturnType<typeof createIngestHarness>;

const tasksOf = (harness: Harness): TaskRecord[] =>
  [...harness.tasks.tasks.values()].sort((a, b) => a.fileName.localeCompare(b.fileName));

const summary = (harness: Harness) =>
  tasksOf(harness).map((task) => ({
    fileName: task.fileName,
    status: task.status,
    ...(task.statusReason === undefined ? {} : { reason: task.statusReason }),
  }));

const top = (extra: readonly string[] = [], from = 'Alice <alice@example.com>') =>
  [
    ...(from ? [`From: ${from}`] : []),
    'To: users@imports.example.com',
    'Subject: hostile',
    ...extra,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
  ].join('\r\n');

const part = (headers: readonly string[], body: string) =>
  `--b\r\n${headers.join('\r\n')}\r\n\r\n${body}\r\n`;

const csvPart = (fileName: string, body: string, encoding?: string) =>
  part(
    [
      `Content-Type: text/csv; name="${fileName}"`,
      `Content-Disposition: attachment; filename="${fileName}"`,
      ...(encoding ? [`Content-Transfer-Encoding: ${encoding}`] : []),
    ],
    body,
  );

const message = (head: string, ...parts: string[]) =>
  Buffer.from(`${head}\r\n\r\n${parts.join('')}--b--\r\n`);

/** A folded header of about `bytes` bytes: lines of 64 characters. */
const padding = (name: string, bytes: number) =>
  `${name}: x${Array.from({ length: Math.ceil(bytes / 64) }, () => `\r\n ${'y'.repeat(61)}`).join('')}`;

const ingest = async (raw: Buffer) => {
  const harness = createIngestHarness();
  await harness.receive('msg-hostile', raw);
  const result = await ingestEmail(harness.deps, receiptFor('msg-hostile'));
  return { harness, result };
};

const HEADER_LIMIT_ADVICE =
  'has a header block over 256 KB, the most one part may have, so the email could not be read: send the CSV files in a new email';

describe('email ingest: a part whose header block is over the limit', () => {
  it('names the part by position, file name and type', async () => {
    // Prepare
    const raw = message(
      top(),
      part(['Content-Type: text/csv; name="a.csv"', padding('X-Padding', 1024 * 1024)], USERS_CSV),
    );

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([
      {
        fileName: '(whole email)',
        status: 'VALIDATION_FAILED',
        reason: `Part 2 of the email (a.csv, text/csv) ${HEADER_LIMIT_ADVICE}`,
      },
    ]);
    expect([...harness.objects.objects.keys()].filter((key) => key.startsWith('uploads/'))).toEqual([]);
  });

  it('counts the parts before it, and says only the position when the oversized header comes first', async () => {
    // Prepare
    const raw = message(
      top(),
      part(['Content-Type: text/plain'], 'Two files.'),
      csvPart('fine.csv', USERS_CSV),
      part([padding('X-Padding', 300 * 1024), 'Content-Type: text/csv; name="late.csv"'], USERS_CSV),
    );

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([
      {
        fileName: '(whole email)',
        status: 'VALIDATION_FAILED',
        reason: `Part 4 of the email ${HEADER_LIMIT_ADVICE}`,
      },
    ]);
  });

  it('accepts a part header just under the limit', async () => {
    // Prepare
    const raw = message(
      top(),
      part(
        [
          'Content-Type: text/csv; name="big-header.csv"',
          'Content-Disposition: attachment; filename="big-header.csv"',
          padding('X-Padding', 250 * 1024),
        ],
        USERS_CSV,
      ),
    );

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([{ fileName: 'big-header.csv', status: 'PENDING' }]);
  });
});

describe('email ingest: attachments whose base64 cannot be decoded', () => {
  const GOOD = Buffer.from(USERS_CSV).toString('base64');
  const AGAIN = 'Attach the file again in a new email, or upload it in the console';

  it.each([
    [
      'characters base64 does not use',
      `${GOOD}\r\n!!!! ### not base64 ~~~~`,
      'line 2, character 1 of its content is "!", which base64 does not use',
    ],
    [
      'a control byte in the content',
      `${GOOD.slice(0, 20)}\u0007${GOOD.slice(20)}`,
      'line 1, character 21 of its content is the byte 0x07, which base64 does not use',
    ],
    [
      'content cut short',
      `${GOOD}QUJDR`,
      `its content ends part-way through (${GOOD.length + 5} base64 characters do not make whole bytes): it was cut short or damaged`,
    ],
    [
      'content after the end marker',
      `QQ==\r\n${GOOD}`,
      'its content goes on after base64\'s end marker "=" (line 2): two pieces were joined or the text was damaged',
    ],
    [
      'valid characters that decode to binary data',
      Buffer.from('ab\u0001\u0002\u0003cd').toString('base64'),
      'what it decodes to is binary data, not text (byte 3 is the control character 0x01)',
    ],
  ])('names the attachment and the problem: %s', async (_label, body, problem) => {
    // Prepare: the garbage next to a good CSV, which must still be imported.
    const raw = message(top(), csvPart('garbage.csv', body, 'base64'), csvPart('good.csv', GOOD, 'base64'));

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([
      {
        fileName: 'garbage.csv',
        status: 'VALIDATION_FAILED',
        reason: `garbage.csv could not be decoded: it was sent as base64, but ${problem}. ${AGAIN}`,
      },
      { fileName: 'good.csv', status: 'PENDING' },
    ]);
    expect(harness.objects.text(tasksOf(harness)[1]?.objectKey ?? '')).toBe(USERS_CSV);
  });

  it('names a damaged attachment inside a forwarded message that is itself base64', async () => {
    // Prepare
    const forwarded = message(top([], 'Bob <bob@partner.example>'), csvPart('inner.csv', '%%%%', 'base64'));
    const raw = message(
      top(),
      part(
        [
          'Content-Type: message/rfc822; name="fwd.eml"',
          'Content-Disposition: attachment; filename="fwd.eml"',
          'Content-Transfer-Encoding: base64',
        ],
        forwarded.toString('base64').replace(/.{76}/g, '$&\r\n'),
      ),
    );

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([
      {
        fileName: 'inner.csv',
        status: 'VALIDATION_FAILED',
        reason: `inner.csv could not be decoded: it was sent as base64, but line 1, character 1 of its content is "%", which base64 does not use. ${AGAIN}`,
      },
    ]);
  });

  it.each([
    ['unpadded base64', GOOD.replace(/=+$/, '')],
    ['a gzip file named .csv (validation names it)', gzipSync(USERS_CSV).toString('base64')],
    [
      'bytes with a NUL (validation names its line and byte)',
      Buffer.from('a\u0000\u0001b').toString('base64'),
    ],
    ['UTF-16 text with a BOM', Buffer.from(`\ufeff${USERS_CSV}`, 'utf16le').toString('base64')],
    [
      'base64 wrapped in lines of 76',
      Buffer.from(USERS_CSV.repeat(20)).toString('base64').replace(/.{76}/g, '$&\r\n'),
    ],
  ])('leaves decodable base64 to validation: %s', async (_label, body) => {
    // Prepare
    const raw = message(top(), csvPart('fine.csv', body, 'base64'));

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([{ fileName: 'fine.csv', status: 'PENDING' }]);
  });

  it('ends an empty CSV attachment with a reason instead of storing an empty file', async () => {
    // Prepare
    const raw = await buildMail({
      attachments: [
        { filename: 'empty.csv', content: '' },
        { filename: 'users.csv', content: USERS_CSV },
      ],
    });

    // Act
    const { harness } = await ingest(raw);

    // Assess
    expect(summary(harness)).toEqual([
      {
        fileName: 'empty.csv',
        status: 'VALIDATION_FAILED',
        reason:
          'empty.csv is empty (0 bytes): attach the CSV file with its header and rows and send it again',
      },
      { fileName: 'users.csv', status: 'PENDING' },
    ]);
    expect([...harness.objects.objects.keys()].filter((key) => key.startsWith('uploads/'))).toHaveLength(1);
  });
});

describe('email ingest: the message header block and the sender', () => {
  const TOO_LARGE =
    "The email's header block (From, To, Subject and the lines mail servers add) is over 256 KB, the most an email may have, so the email could not be read: send the CSV files in a new email";

  it('tells an allowed sender named before 1 MiB of headers why nothing was imported', async () => {
    // Prepare
    const raw = message(top([padding('X-Padding', 1024 * 1024)]), csvPart('users.csv', USERS_CSV));

    // Act
    const { harness, result } = await ingest(raw);

    // Assess
    const importId = emailImportId('msg-hostile', 'message');
    expect(result).toEqual({ outcome: IngestOutcome.TASKS, importIds: [importId] });
    expect(tasksOf(harness)).toEqual([
      expect.objectContaining({
        fileName: '(whole email)',
        status: 'VALIDATION_FAILED',
        statusReason: TOO_LARGE,
        email: { from: 'alice@example.com', subject: 'hostile', receivedAt: '2026-11-22T09:30:00.000Z' },
      }),
    ]);
    // Final from the start: handed straight to the reply step.
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId }]);
  });

  it('drops 1 MiB of headers before any sender, saying why in the result', async () => {
    // Prepare
    const raw = message(
      [padding('X-Padding', 1024 * 1024), top()].join('\r\n'),
      csvPart('users.csv', USERS_CSV),
    );

    // Act
    const { harness, result } = await ingest(raw);

    // Assess
    expect(result).toEqual({
      outcome: IngestOutcome.UNREADABLE,
      detail: `${TOO_LARGE}; no single sender in its first 256 KB, so nobody can be told`,
      importIds: [],
    });
    expect(harness.tasks.tasks.size).toBe(0);
    expect(harness.messages.messages.size).toBe(0);
  });

  it('drops a stranger behind 1 MiB of headers as a stranger, with the reason it could not be read', async () => {
    // Prepare
    const raw = message(
      top([padding('X-Padding', 1024 * 1024)], 'mallory@evil.example'),
      csvPart('users.csv', USERS_CSV),
    );

    // Act
    const { harness, result } = await ingest(raw);

    // Assess
    expect(result).toEqual({
      outcome: IngestOutcome.STRANGER,
      detail: `sender mallory@evil.example is not allowed (and the email could not be read: ${TOO_LARGE})`,
      importIds: [],
    });
    expect(harness.tasks.tasks.size).toBe(0);
  });

  it.each([
    ['no From header', '', 'no single sender: it has no From address'],
    [
      'two addresses in From',
      'alice@example.com, bob@partner.example',
      'no single sender: its From header names 2 addresses',
    ],
    [
      'a group of two in From',
      'Team: alice@example.com, bob@partner.example;',
      'no single sender: its From header names 2 addresses',
    ],
  ])('drops a message with %s, saying so', async (_label, from, detail) => {
    // Prepare
    const raw = message(top([], from), csvPart('users.csv', USERS_CSV));

    // Act
    const { harness, result } = await ingest(raw);

    // Assess
    expect(result).toEqual({ outcome: IngestOutcome.STRANGER, detail, importIds: [] });
    expect(harness.tasks.tasks.size).toBe(0);
  });
});

describe('Base64Check', () => {
  it('finds a problem split across chunks at its line and character', () => {
    // Prepare
    const check = new Base64Check();

    // Act
    check.write(Buffer.from('QUJD\r\nRE'));
    check.write(Buffer.from('VG*'));

    // Assess
    expect(check.finish()).toBe('line 2, character 5 of its content is "*", which base64 does not use');
  });

  it.each([
    ['padded', 'QUJDRA=='],
    ['unpadded', 'QUJDRA'],
    ['empty', ''],
    ['folded with spaces and tabs', 'QU JD\tRA==\r\n'],
  ])('accepts %s base64', (_label, text) => {
    // Prepare
    const check = new Base64Check();

    // Act
    check.write(Buffer.from(text));

    // Assess
    expect(check.finish()).toBeUndefined();
  });

  it.each([
    ['one character too many', 'QUJDR'],
    ['three padding characters', 'QU==='],
    ['padding that does not end a group of four', 'QUJ=='],
  ])('refuses %s as cut short or damaged', (_label, text) => {
    // Prepare
    const check = new Base64Check();

    // Act
    check.write(Buffer.from(text));

    // Assess
    expect(check.finish()).toMatch(/^its content ends part-way through \(\d+ base64 characters/);
  });
});
