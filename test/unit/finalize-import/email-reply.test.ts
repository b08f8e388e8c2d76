import { composeReply } from '../../../lambdas/finalize-import/compose-reply';
import {
  type EmailReplyDeps,
  ReplyOutcome,
  replyWhenEmailDone,
} from '../../../lambdas/finalize-import/email-reply';
import type { EmailMessage } from '../../../lambdas/shared/email-message';
import type { TaskRecord } from '../../../lambdas/shared/model';
import { exceptionsKey, resultsKey } from '../../../lambdas/shared/object-keys';
import { ValidateOutcome, validateFile } from '../../../lambdas/validate-file/validate-file';
import { anEmailMessage, aTask, userRow, usersCsv } from '../../helpers/factories';
import { FakeEmailMessageStore, FakeMailSender, FakeObjectStore, FakeTaskStore } from '../../helpers/fakes';
import { createHarness, givenUpload } from '../validate-file/harness';

/** The one reply per email, sent when its last task is final, through the finalize step. */

const NOW = new Date('2026-11-22T10:00:00.000Z');
const MESSAGE_ID = 'msg-reply';

const emailTask = (overrides: Partial<TaskRecord>): TaskRecord =>
  aTask({
    source: 'email',
    email: { from: 'alice@example.com', subject: 'New users', receivedAt: '2026-11-22T09:30:00.000Z' },
    createdBy: 'alice@example.com',
    emailKey: `inbound/${MESSAGE_ID}`,
    ...overrides,
  });

const createReplyHarness = async (tasks: TaskRecord[], message: Partial<EmailMessage> = {}) => {
  const store = new FakeTaskStore();
  for (const task of tasks) await store.create(task);
  const messages = new FakeEmailMessageStore();
  await messages.create(
    anEmailMessage({ messageId: MESSAGE_ID, importIds: tasks.map((task) => task.importId), ...message }),
  );
  const objects = new FakeObjectStore();
  const mail = new FakeMailSender();
  const deps: EmailReplyDeps = {
    tasks: store,
    objects,
    messages,
    mail,
    replyFrom: 'no-reply@imports.example.com',
    logger: { info: jest.fn(), warn: jest.fn() },
    now: () => new Date(NOW),
  };
  /** Ends a task as finalize-import does, with its reports. */
  const finish = async (importId: string, fields: Partial<TaskRecord>) => {
    const task = await store.transition(
      importId,
      ['PENDING', 'PROCESSING'],
      fields.status ?? 'COMPLETED',
      fields,
    );
    if (!task) throw new Error(`cannot finish ${importId}`);
    if (task.status !== 'VALIDATION_FAILED') {
      await objects.put(exceptionsKey(importId), 'header\r\n', 'text/csv');
      await objects.put(resultsKey(importId), 'header\r\n', 'text/csv');
    }
    return task;
  };
  return { deps, store, messages, objects, mail, finish };
};

describe('email reply', () => {
  it('waits for the last file of the email, then sends one reply covering every file', async () => {
    // Prepare
    const users = emailTask({ fileName: 'users.csv', status: 'PROCESSING' });
    const sheet = emailTask({ fileName: 'users.xlsx', status: 'PENDING' });
    const harness = await createReplyHarness([users, sheet]);
    await harness.store.putChunkResult({
      importId: users.importId,
      chunkIndex: 0,
      firstRowNumber: 2,
      rowCount: 3,
      successCount: 2,
      errorCount: 1,
      errors: [
        {
          rowNumber: 3,
          errorType: 'INVALID_FORMAT',
          message: 'is not a valid email address',
          column: 'email',
        },
      ],
    });

    // Act
    const first = await replyWhenEmailDone(
      harness.deps,
      await harness.finish(users.importId, {
        status: 'PARTIAL_SUCCESS',
        statusReason: '1 of 3 rows failed: see the exceptions report',
        totalRows: 3,
        successCount: 2,
        errorCount: 1,
      }),
    );
    const last = await replyWhenEmailDone(
      harness.deps,
      await harness.finish(sheet.importId, {
        status: 'VALIDATION_FAILED',
        statusReason: 'users.xlsx is not a CSV file',
      }),
    );

    // Assess
    expect([first, last]).toEqual([ReplyOutcome.WAITING, ReplyOutcome.SENT]);
    expect(harness.mail.sent).toHaveLength(1);
    const [reply] = harness.mail.sent;
    expect(reply).toMatchObject({
      from: 'no-reply@imports.example.com',
      to: 'alice@example.com',
      subject: 'Import results: New users',
    });
    expect(reply?.text).toContain('carried 2 files: 1 partial success, 1 validation failed.');
    expect(reply?.text).toContain('users.csv: Partial Success\n  3 rows: 2 imported, 1 failed');
    expect(reply?.text).toContain('Row 3, email: INVALID_FORMAT, is not a valid email address');
    expect(reply?.text).toContain(
      `Exceptions report: https://fake-s3.test/${exceptionsKey(users.importId)}?expires=900&name=users-exceptions.csv`,
    );
    expect(reply?.text).toContain('Result data: https://fake-s3.test/');
    expect(reply?.text).toContain('users.xlsx: Validation Failed\n  users.xlsx is not a CSV file');
    expect(reply?.text).toContain('The report links work until 2026-11-22 10:15 UTC');
    expect(reply?.html).toContain('<a href="https://fake-s3.test/reports/');
    expect((await harness.messages.get(MESSAGE_ID))?.replySentAt).toBe(NOW.toISOString());
  });

  it('sends one reply when the last two files end at the same moment', async () => {
    // Prepare
    const one = emailTask({ fileName: 'one.csv', status: 'PROCESSING' });
    const two = emailTask({ fileName: 'two.csv', status: 'PROCESSING' });
    const harness = await createReplyHarness([one, two]);
    const ended = [await harness.finish(one.importId, {}), await harness.finish(two.importId, {})];

    // Act
    const outcomes = await Promise.all(ended.map((task) => replyWhenEmailDone(harness.deps, task)));

    // Assess
    expect(outcomes.sort()).toEqual([ReplyOutcome.CLAIMED_ELSEWHERE, ReplyOutcome.SENT]);
    expect(harness.mail.sent).toHaveLength(1);
  });

  it('never sends a second reply for a redelivered finalize message', async () => {
    // Prepare
    const task = emailTask({ status: 'PROCESSING' });
    const harness = await createReplyHarness([task]);
    const ended = await harness.finish(task.importId, {});

    // Act
    const outcomes = [
      await replyWhenEmailDone(harness.deps, ended),
      await replyWhenEmailDone(harness.deps, ended),
    ];

    // Assess
    expect(outcomes).toEqual([ReplyOutcome.SENT, ReplyOutcome.ALREADY_SENT]);
    expect(harness.mail.sent).toHaveLength(1);
  });

  it('gives the claim back when sending fails, so the retried message sends the reply', async () => {
    // Prepare
    const task = emailTask({ status: 'PROCESSING' });
    const harness = await createReplyHarness([task]);
    const ended = await harness.finish(task.importId, {});
    harness.mail.failNext = 1;

    // Act
    const failed = replyWhenEmailDone(harness.deps, ended);
    await expect(failed).rejects.toThrow('Maximum sending rate exceeded');
    const retried = await replyWhenEmailDone(harness.deps, ended);

    // Assess
    expect(retried).toBe(ReplyOutcome.SENT);
    expect(harness.mail.sent).toHaveLength(1);
  });

  it('takes over a claim left by a sender that died five minutes ago or more', async () => {
    // Prepare
    const task = emailTask({ status: 'PROCESSING' });
    const harness = await createReplyHarness([task], { replyClaimedAt: '2026-11-22T09:54:59.000Z' });
    const ended = await harness.finish(task.importId, {});

    // Act
    const outcome = await replyWhenEmailDone(harness.deps, ended);

    // Assess
    expect(outcome).toBe(ReplyOutcome.SENT);
  });

  it.each([
    ['replies are off for the email', { reply: false }, {}, ReplyOutcome.REPLY_OFF],
    ['no reply sender is configured', {}, { replyFrom: undefined }, ReplyOutcome.NOT_CONFIGURED],
  ])('sends nothing when %s', async (_label, message, depsChange, expected) => {
    // Prepare
    const task = emailTask({ status: 'PROCESSING' });
    const harness = await createReplyHarness([task], message);
    const ended = await harness.finish(task.importId, {});

    // Act
    const outcome = await replyWhenEmailDone({ ...harness.deps, ...depsChange }, ended);

    // Assess
    expect(outcome).toBe(expected);
    expect(harness.mail.sent).toEqual([]);
    expect((await harness.messages.get(MESSAGE_ID))?.replyClaimedAt).toBeUndefined();
  });

  it('answers nobody for a task without a message record (ingest records allowed senders only)', async () => {
    // Prepare
    const task = emailTask({ status: 'COMPLETED', emailKey: 'inbound/msg-unknown' });
    const harness = await createReplyHarness([]);

    // Act
    const outcome = await replyWhenEmailDone(harness.deps, task);

    // Assess
    expect(outcome).toBe(ReplyOutcome.NO_RECORD);
    expect(harness.mail.sent).toEqual([]);
  });

  it('leaves uploads alone', async () => {
    // Prepare
    const harness = await createReplyHarness([]);

    // Act
    const outcome = await replyWhenEmailDone(harness.deps, aTask({ status: 'COMPLETED' }));

    // Assess
    expect(outcome).toBe(ReplyOutcome.NOT_EMAIL);
  });
});

describe('composeReply', () => {
  it('escapes what the sender wrote in the HTML, and lists only the first errors it is given', () => {
    // Act
    const reply = composeReply({
      subject: '<script>alert(1)</script>',
      receivedAt: '2026-11-22T09:30:00.000Z',
      files: [
        {
          fileName: 'a<b>.csv',
          status: 'FAILED',
          statusReason: 'All 7 rows failed: see the exceptions report',
          totalRows: 7,
          successCount: 0,
          errorCount: 7,
          firstErrors: [{ rowNumber: 2, errorType: 'REQUIRED', message: 'is required', column: 'role' }],
          links: {},
        },
      ],
    });

    // Assess
    expect(reply.html).not.toContain('<script>');
    expect(reply.html).toContain('a&#60;b&#62;.csv');
    expect(reply.text).toContain('First 1 errors:\n    Row 2, role: REQUIRED, is required');
    expect(reply.text).not.toContain('report links work until');
    expect(reply.subject).toBe('Import results: <script>alert(1)</script>');
  });
});

describe('validate-file hands the emailed tasks it ends to the reply step', () => {
  it('sends a reply message for an emailed task it rejected, none for an upload or a task it enqueued', async () => {
    // Prepare
    const harness = createHarness();
    const byEmail = { source: 'email', emailKey: `inbound/${MESSAGE_ID}` } as const;
    const emailed = await givenUpload(harness, 'not,the,header\n1,2,3\n', byEmail);
    const uploaded = await givenUpload(harness, 'not,the,header\n1,2,3\n');
    const enqueued = await givenUpload(harness, usersCsv([userRow(1)]), byEmail);

    // Act
    const outcomes = [
      await validateFile(harness.validateDeps, emailed.objectKey),
      await validateFile(harness.validateDeps, uploaded.objectKey),
      await validateFile(harness.validateDeps, enqueued.objectKey),
    ];

    // Assess
    expect(outcomes).toEqual([
      ValidateOutcome.VALIDATION_FAILED,
      ValidateOutcome.VALIDATION_FAILED,
      ValidateOutcome.ENQUEUED,
    ]);
    expect(harness.finalize.sent).toEqual([{ kind: 'reply', importId: emailed.importId }]);
  });
});
