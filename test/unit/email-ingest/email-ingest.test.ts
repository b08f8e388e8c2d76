import type { Readable } from 'node:stream';
import { IngestOutcome, ingestEmail, STORED_LIMITS } from '../../../lambdas/email-ingest/email-ingest';
import { emailImportId } from '../../../lambdas/email-ingest/plan';
import type { TaskRecord } from '../../../lambdas/shared/model';
import { buildMail, createIngestHarness, DEPARTMENTS_CSV, receiptFor, SETTINGS, USERS_CSV } from './mail';

/**
 * Email ingest over fakes, fed real MIME built by nodemailer: every kind of attachment a mail client
 * sends, the limits, the drop rules, and redelivery.
 */

type Harness = ReturnType<typeof createIngestHarness>;

const tasksOf = (harness: Harness): TaskRecord[] =>
  [...harness.tasks.tasks.values()].sort((a, b) => a.fileName.localeCompare(b.fileName));

const storedText = (harness: Harness, task: TaskRecord | undefined): string | undefined =>
  task ? harness.objects.text(task.objectKey) : undefined;

describe('email ingest: attachments', () => {
  it('turns a base64 CSV attachment into a PENDING email task and stores the CSV at its upload key', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-base64',
      await buildMail({ attachments: [{ filename: 'users.csv', content: USERS_CSV }] }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-base64'));

    // Assess
    const importId = emailImportId('msg-base64', 0);
    expect(result).toEqual({ outcome: IngestOutcome.TASKS, importIds: [importId] });
    const task = harness.tasks.tasks.get(importId);
    expect(task).toMatchObject({
      importId,
      templateId: 'users',
      fileName: 'users.csv',
      source: 'email',
      email: { from: 'alice@example.com', subject: 'New users', receivedAt: '2026-11-22T09:30:00.000Z' },
      status: 'PENDING',
      createdBy: 'alice@example.com',
      fileSize: Buffer.byteLength(USERS_CSV),
      objectKey: `uploads/${importId}/users.csv`,
      emailKey: 'inbound/msg-base64',
    });
    expect(storedText(harness, task)).toBe(USERS_CSV);
    expect(await harness.messages.get('msg-base64')).toEqual({
      messageId: 'msg-base64',
      from: 'alice@example.com',
      subject: 'New users',
      receivedAt: '2026-11-22T09:30:00.000Z',
      recipient: 'users@imports.example.com',
      templateId: 'users',
      importIds: [importId],
      reply: true,
    });
    expect(harness.finalize.sent).toEqual([]);
  });

  it('decodes a quoted-printable attachment to the bytes that were sent', async () => {
    // Prepare: quotes, a tab, an accented name and a long line that quoted-printable wraps.
    const csv = `email,first_name,last_name,role\r\n"zoë@example.com",Zoë,"O'Brien\t",member,${'x'.repeat(120)}\r\n`;
    const harness = createIngestHarness();
    const raw = await buildMail({
      attachments: [{ filename: 'qp.csv', content: csv, contentTransferEncoding: 'quoted-printable' }],
    });
    await harness.receive('msg-qp', raw);

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-qp'));

    // Assess
    expect(raw.toString()).toContain('Content-Transfer-Encoding: quoted-printable');
    const [task] = tasksOf(harness);
    expect(storedText(harness, task)).toBe(csv);
    expect(task?.fileSize).toBe(Buffer.byteLength(csv));
  });

  it('makes one task per CSV attachment, each with its own id and file', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-several',
      await buildMail({
        attachments: [
          { filename: 'first.csv', content: USERS_CSV },
          { filename: 'second.csv', content: `${USERS_CSV}grace@example.com,Grace,Hopper,manager\r\n` },
          { filename: 'third.CSV', content: USERS_CSV, contentTransferEncoding: 'quoted-printable' },
        ],
      }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-several'));

    // Assess
    const tasks = tasksOf(harness);
    expect(tasks.map((task) => [task.fileName, task.status])).toEqual([
      ['first.csv', 'PENDING'],
      ['second.csv', 'PENDING'],
      ['third.CSV', 'PENDING'],
    ]);
    expect(new Set(result.importIds).size).toBe(3);
    expect(storedText(harness, tasks[1])).toContain('grace@example.com');
    expect(tasks.every((task) => harness.objects.objects.has(task.objectKey))).toBe(true);
  });

  it('recognises a .csv sent as application/octet-stream, and a text/csv part sent without a name', async () => {
    // Prepare
    const harness = createIngestHarness();
    const raw = await buildMail({
      attachments: [
        { filename: 'export.csv', content: Buffer.from(USERS_CSV), contentType: 'application/octet-stream' },
        { content: USERS_CSV, contentType: 'text/csv' },
      ],
    });
    await harness.receive('msg-octet', raw);

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-octet'));

    // Assess
    expect(raw.toString()).toContain('Content-Type: application/octet-stream; name=export.csv');
    const tasks = tasksOf(harness);
    expect(tasks.map((task) => task.status)).toEqual(['PENDING', 'PENDING']);
    expect(tasks.map((task) => task.fileName)).toContain('export.csv');
    expect(tasks.every((task) => storedText(harness, task) === USERS_CSV)).toBe(true);
  });

  it('keeps a non-ASCII file name for display and stores the file under a safe key', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-unicode',
      await buildMail({
        attachments: [{ filename: 'Übersicht Mitarbeiter – März.csv', content: USERS_CSV }],
      }),
    );

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-unicode'));

    // Assess
    const [task] = tasksOf(harness);
    expect(task?.fileName).toBe('Übersicht Mitarbeiter – März.csv');
    expect(task?.objectKey).toMatch(/^uploads\/[0-9a-f-]{36}\/[A-Za-z0-9._-]+\.csv$/);
    expect(storedText(harness, task)).toBe(USERS_CSV);
  });

  it('finds the CSV inside a forwarded message, whether inline, attached or base64-encoded', async () => {
    // Prepare
    const original = await buildMail({
      from: 'bob@partner.example',
      subject: 'the list',
      attachments: [{ filename: 'forwarded.csv', content: USERS_CSV }],
    });
    const forwards = {
      inline: { filename: 'fwd.eml', content: original, contentType: 'message/rfc822' },
      attached: {
        filename: 'fwd.eml',
        content: original,
        contentType: 'message/rfc822',
        contentDisposition: 'attachment' as const,
      },
      base64: {
        filename: 'fwd.eml',
        content: original,
        contentType: 'message/rfc822',
        contentDisposition: 'attachment' as const,
        contentTransferEncoding: 'base64' as const,
      },
    };

    for (const [name, attachment] of Object.entries(forwards)) {
      const harness = createIngestHarness();
      await harness.receive(
        `msg-fwd-${name}`,
        await buildMail({ subject: 'Fwd: the list', attachments: [attachment] }),
      );

      // Act
      await ingestEmail(harness.deps, receiptFor(`msg-fwd-${name}`));

      // Assess
      const tasks = tasksOf(harness);
      expect({ name, files: tasks.map((task) => [task.fileName, task.status]) }).toEqual({
        name,
        files: [['forwarded.csv', 'PENDING']],
      });
      expect(storedText(harness, tasks[0])).toBe(USERS_CSV);
      expect(tasks[0]?.email?.from).toBe('alice@example.com');
    }
  });

  it('ends an .xlsx attachment VALIDATION_FAILED with a reason, next to the CSV of the same email', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-xlsx',
      await buildMail({
        attachments: [
          { filename: 'users.csv', content: USERS_CSV },
          { filename: 'users.xlsx', content: Buffer.from('PK\u0003\u0004 not really a workbook') },
        ],
      }),
    );

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-xlsx'));

    // Assess
    const [csv, xlsx] = tasksOf(harness);
    expect(csv?.status).toBe('PENDING');
    expect(xlsx).toMatchObject({
      fileName: 'users.xlsx',
      status: 'VALIDATION_FAILED',
      statusReason: expect.stringContaining(
        'users.xlsx is not a CSV file (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet): save it as CSV',
      ),
      endedAt: '2026-11-22T09:30:05.000Z',
    });
    expect(harness.objects.objects.has(xlsx?.objectKey ?? '')).toBe(false);
    // Final from the start: handed straight to the reply step.
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId: xlsx?.importId }]);
  });

  it('shows an email without attachment as one VALIDATION_FAILED task', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive('msg-none', await buildMail({ html: '<p>I forgot the file</p>' }));

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-none'));

    // Assess
    expect(result.importIds).toEqual([emailImportId('msg-none', 'message')]);
    expect(tasksOf(harness)).toEqual([
      expect.objectContaining({
        fileName: '(no attachment)',
        status: 'VALIDATION_FAILED',
        statusReason: 'The email has no attachment: attach the CSV file to import and send it again',
        source: 'email',
        emailKey: 'inbound/msg-none',
      }),
    ]);
  });

  it('does not count an image the HTML body shows (a signature logo) as an attachment', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-logo',
      await buildMail({
        html: '<p>Here you go</p><img src="cid:logo@example">',
        attachments: [
          { filename: 'logo.png', content: Buffer.from('89504e47', 'hex'), cid: 'logo@example' },
          { filename: 'users.csv', content: USERS_CSV },
        ],
      }),
    );

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-logo'));

    // Assess
    expect(tasksOf(harness).map((task) => [task.fileName, task.status])).toEqual([['users.csv', 'PENDING']]);
  });

  it('routes by the first recipient that is an import address', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-route',
      await buildMail({
        to: ['someone@example.com', 'departments@imports.example.com'],
        attachments: [{ filename: 'departments.csv', content: DEPARTMENTS_CSV }],
      }),
    );

    // Act
    await ingestEmail(
      harness.deps,
      receiptFor('msg-route', {
        recipients: ['Departments@Imports.Example.com', 'users@imports.example.com'],
      }),
    );

    // Assess
    expect(tasksOf(harness).map((task) => task.templateId)).toEqual(['departments']);
  });
});

describe('email ingest: limits', () => {
  it('refuses thousands of tiny parts before parsing them, as one VALIDATION_FAILED task', async () => {
    // Prepare
    const harness = createIngestHarness();
    const attachments = Array.from({ length: 3000 }, (_, index) => ({
      filename: `p${index}.csv`,
      content: 'a\r\n',
    }));
    await harness.receive('msg-parts', await buildMail({ attachments }));
    const getStream = jest.spyOn(harness.objects, 'getStream');

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-parts'));

    // Assess
    expect(tasksOf(harness)).toEqual([
      expect.objectContaining({
        fileName: '(whole email)',
        status: 'VALIDATION_FAILED',
        statusReason: expect.stringContaining('The email has more than 200 MIME parts'),
      }),
    ]);
    // The header block and the structure pass only: no attachment was ever parsed.
    expect(getStream).toHaveBeenCalledTimes(2);
    expect([...harness.objects.objects.keys()].filter((key) => key.startsWith('uploads/'))).toEqual([]);
  });

  it('refuses a message over the size limit without reading it, saying how much CSV fits', async () => {
    // Prepare: the 40 MB limit of SES, checked on a 41 MB message.
    const harness = createIngestHarness();
    const big = Buffer.alloc(41 * 1024 * 1024, 'a');
    await harness.receive('msg-big', Buffer.concat([await buildMail({}), big]));
    const getStream = jest.spyOn(harness.objects, 'getStream');

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-big'));

    // Assess
    expect(tasksOf(harness)).toEqual([
      expect.objectContaining({
        status: 'VALIDATION_FAILED',
        statusReason: expect.stringMatching(
          /^The email is 41\.\d MB; the limit is 40 MB per message, about 29 MB of CSV once encoded/,
        ),
      }),
    ]);
    // Only the header block was read (to check the sender), never the body.
    expect(getStream).toHaveBeenCalledTimes(1);
  });

  it('refuses messages forwarded inside each other deeper than the limit', async () => {
    // Prepare
    const harness = createIngestHarness();
    harness.deps.limits = { ...harness.deps.limits, MAX_EMAIL_DEPTH: 4 };
    let raw = await buildMail({ attachments: [{ filename: 'deep.csv', content: USERS_CSV }] });
    for (let level = 0; level < 3; level += 1) {
      raw = await buildMail({
        attachments: [
          {
            filename: 'fwd.eml',
            content: raw,
            contentType: 'message/rfc822',
            contentDisposition: 'attachment',
          },
        ],
      });
    }
    await harness.receive('msg-deep', raw);

    // Act
    await ingestEmail(harness.deps, receiptFor('msg-deep'));

    // Assess
    expect(tasksOf(harness)).toEqual([
      expect.objectContaining({
        status: 'VALIDATION_FAILED',
        statusReason: expect.stringContaining('more than 4 levels deep'),
      }),
    ]);
  });
});

describe('email ingest: what a task item keeps of what the sender wrote', () => {
  it("caps a 100 KB attachment name and a 200 KB subject so no item nears DynamoDB's 400 KB", async () => {
    // Prepare
    const harness = createIngestHarness();
    const longName = `${'n'.repeat(100_000)}.csv`; // twice in the part header: name= and filename=
    const longSubject = 's'.repeat(200_000);
    await harness.receive(
      'msg-long',
      await buildMail({ subject: longSubject, attachments: [{ filename: longName, content: USERS_CSV }] }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-long'));

    // Assess
    expect(result.outcome).toBe('tasks');
    const [task] = [...harness.tasks.tasks.values()];
    expect(task?.fileName).toHaveLength(STORED_LIMITS.fileName);
    expect(task?.fileName.endsWith('nnn.csv')).toBe(true);
    expect(task?.email?.subject).toHaveLength(STORED_LIMITS.subject);
    expect(Buffer.byteLength(JSON.stringify(task))).toBeLessThan(16 * 1024);
    const [message] = [...harness.messages.messages.values()];
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(16 * 1024);
  });
});

describe('email ingest: what is dropped', () => {
  it.each(['spam', 'virus', 'spf', 'dkim'] as const)(
    'drops a message whose %s verdict is FAIL: no task, no record, nothing read',
    async (verdict) => {
      // Prepare
      const harness = createIngestHarness();
      await harness.receive(
        'msg-verdict',
        await buildMail({ attachments: [{ filename: 'u.csv', content: USERS_CSV }] }),
      );
      const receipt = receiptFor('msg-verdict');
      receipt.verdicts[verdict] = 'FAIL';
      const getStream = jest.spyOn(harness.objects, 'getStream');

      // Act
      const result = await ingestEmail(harness.deps, receipt);

      // Assess
      expect(result).toEqual({
        outcome: 'failed-verdict',
        detail: `${verdict} verdict is FAIL`,
        importIds: [],
      });
      expect(harness.tasks.tasks.size).toBe(0);
      expect(harness.messages.messages.size).toBe(0);
      expect(getStream).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['GRAY', 'PASS', 'spam verdict is GRAY'],
    ['PASS', 'PROCESSING_FAILED', 'virus verdict is PROCESSING_FAILED'],
    [undefined, 'PASS', 'spam verdict is absent'],
  ])(
    'drops mail whose spam/virus verdicts are %s/%s: only PASS means scanned and clean',
    async (spam, virus, detail) => {
      // Prepare
      const harness = createIngestHarness();
      await harness.receive(
        'msg-unscanned',
        await buildMail({ attachments: [{ filename: 'u.csv', content: USERS_CSV }] }),
      );
      const receipt = receiptFor('msg-unscanned');
      if (spam === undefined) delete receipt.verdicts.spam;
      else receipt.verdicts.spam = spam;
      receipt.verdicts.virus = virus;

      // Act
      const result = await ingestEmail(harness.deps, receipt);

      // Assess
      expect(result).toEqual({ outcome: 'failed-verdict', detail, importIds: [] });
      expect(harness.tasks.tasks.size).toBe(0);
    },
  );

  it('imports mail whose SPF and DKIM are GRAY when its From domain passes DMARC', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-gray',
      await buildMail({ attachments: [{ filename: 'u.csv', content: USERS_CSV }] }),
    );

    // Act
    const result = await ingestEmail(
      harness.deps,
      receiptFor('msg-gray', {
        verdicts: { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'GRAY', dmarc: 'PASS' },
      }),
    );

    // Assess
    expect(result.outcome).toBe('tasks');
  });

  it.each([
    ['GRAY', 'GRAY'],
    ['FAIL', 'GRAY'],
    ['GRAY', 'PASS'],
  ])(
    'drops an allowed From written by someone else (DMARC %s, DKIM %s, no aligned signature): no task, nothing read',
    async (dmarc, dkim) => {
      // Prepare: the attacker's envelope domain passes SPF, and a signature of its own domain passes DKIM.
      const harness = createIngestHarness();
      await harness.receive(
        'msg-spoofed',
        await buildMail({
          from: 'hr@partner.example',
          attachments: [{ filename: 'u.csv', content: USERS_CSV }],
        }),
      );
      const receipt = receiptFor('msg-spoofed', {
        verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim, dmarc },
        authenticationResults:
          'amazonses.com; spf=pass smtp.mailfrom=x@attacker.example; dkim=pass header.i=@attacker.example; dmarc=none header.from=partner.example',
      });

      // Act
      const result = await ingestEmail(harness.deps, receipt);

      // Assess
      expect(result.outcome).toBe('unauthenticated');
      expect(result.detail).toBe(
        `the From domain partner.example is not authenticated: DMARC ${dmarc} and ${
          dkim === 'PASS'
            ? 'DKIM passes only for attacker.example, not aligned with it'
            : 'no passing DKIM signature'
        }`,
      );
      expect(harness.tasks.tasks.size).toBe(0);
      expect(harness.messages.messages.size).toBe(0);
      expect(harness.finalize.sent).toEqual([]);
    },
  );

  it.each([
    ['the From domain itself', 'dkim=pass header.d=partner.example header.s=s1'],
    [
      'a parent of a subdomain sender (relaxed alignment)',
      'dkim=pass (good signature) header.i=@mail.partner.example',
    ],
  ])(
    'imports mail without a DMARC pass whose passing DKIM signature aligns with %s',
    async (_label, dkim) => {
      // Prepare
      const harness = createIngestHarness();
      await harness.receive(
        'msg-dkim',
        await buildMail({
          from: 'hr@partner.example',
          attachments: [{ filename: 'u.csv', content: USERS_CSV }],
        }),
      );

      // Act
      const result = await ingestEmail(
        harness.deps,
        receiptFor('msg-dkim', {
          verdicts: { spam: 'PASS', virus: 'PASS', spf: 'GRAY', dkim: 'PASS', dmarc: 'GRAY' },
          authenticationResults: `amazonses.com; spf=none smtp.mailfrom=hr@partner.example; ${dkim}; dmarc=none`,
        }),
      );

      // Assess
      expect(result.outcome).toBe('tasks');
    },
  );

  it.each([
    ['a stranger', 'mallory@evil.example'],
    ['someone at a subdomain of an allowed domain', 'carol@eu.partner.example'],
    ['a look-alike of an allowed address', 'alice@example.com.evil.example'],
  ])('drops mail from %s: no task, no record, no reply', async (_label, sender) => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-stranger',
      await buildMail({ from: sender, attachments: [{ filename: 'u.csv', content: USERS_CSV }] }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-stranger'));

    // Assess
    expect(result.outcome).toBe('stranger');
    expect(harness.tasks.tasks.size).toBe(0);
    expect(harness.messages.messages.size).toBe(0);
    expect(harness.finalize.sent).toEqual([]);
  });

  it('accepts everyone at a domain listed as *@domain, in any case', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-domain',
      await buildMail({
        from: 'Bob <Bob@Partner.Example>',
        attachments: [{ filename: 'u.csv', content: USERS_CSV }],
      }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-domain'));

    // Assess
    expect(result.outcome).toBe('tasks');
    expect(tasksOf(harness)[0]?.email?.from).toBe('bob@partner.example');
  });

  it.each([
    ['email import is off', { ...SETTINGS, enabled: false }, 'disabled'],
    ['nothing was ever saved', null, 'disabled'],
    [
      'no recipient is an import address',
      { ...SETTINGS, addresses: [{ address: 'x@imports.example.com', templateId: 'users' }] },
      'unrouted',
    ],
  ])('drops mail when %s', async (_label, settings, outcome) => {
    // Prepare
    const harness = createIngestHarness(settings);
    await harness.receive(
      'msg-off',
      await buildMail({ attachments: [{ filename: 'u.csv', content: USERS_CSV }] }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-off'));

    // Assess
    expect(result.outcome).toBe(outcome);
    expect(harness.tasks.tasks.size).toBe(0);
  });

  it('drops automatic mail (auto-replies, bounces, our own reply coming back)', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-auto',
      await buildMail({
        headers: { 'Auto-Submitted': 'auto-replied' },
        attachments: [{ filename: 'u.csv', content: USERS_CSV }],
      }),
    );

    // Act
    const result = await ingestEmail(harness.deps, receiptFor('msg-auto'));

    // Assess
    expect(result.outcome).toBe('automated');
    expect(harness.tasks.tasks.size).toBe(0);
  });
});

describe('email ingest: redelivery', () => {
  it('makes no second task when SES or Lambda delivers the same message twice', async () => {
    // Prepare
    const harness = createIngestHarness();
    await harness.receive(
      'msg-twice',
      await buildMail({
        attachments: [
          { filename: 'users.csv', content: USERS_CSV },
          { filename: 'notes.txt', content: 'not a csv' },
        ],
      }),
    );
    const upload = jest.spyOn(harness.objects, 'upload');

    // Act
    const first = await ingestEmail(harness.deps, receiptFor('msg-twice'));
    const second = await ingestEmail(harness.deps, receiptFor('msg-twice'));

    // Assess
    expect(second).toEqual(first);
    expect(harness.tasks.tasks.size).toBe(2);
    expect(harness.messages.messages.size).toBe(1);
    expect(upload).toHaveBeenCalledTimes(1);
  });

  it('finishes on redelivery what a failed delivery left half done', async () => {
    // Prepare: the first delivery creates the task, then storing the CSV fails.
    const harness = createIngestHarness();
    await harness.receive(
      'msg-retry',
      await buildMail({ attachments: [{ filename: 'users.csv', content: USERS_CSV }] }),
    );
    jest.spyOn(harness.objects, 'upload').mockImplementationOnce(async (_key, body: Readable) => {
      body.resume();
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: {} });
    });

    // Act
    const failed = ingestEmail(harness.deps, receiptFor('msg-retry'));
    await expect(failed).rejects.toThrow('Service Unavailable');
    const retried = await ingestEmail(harness.deps, receiptFor('msg-retry'));

    // Assess
    expect(retried.outcome).toBe('tasks');
    const [task] = tasksOf(harness);
    expect(task?.status).toBe('PENDING');
    expect(storedText(harness, task)).toBe(USERS_CSV);
  });

  it('retries later when the raw message is not stored yet', async () => {
    // Prepare
    const harness = createIngestHarness();

    // Act
    const ingest = ingestEmail(harness.deps, receiptFor('msg-missing'));

    // Assess
    await expect(ingest).rejects.toThrow('inbound/msg-missing is not stored (yet)');
  });
});
