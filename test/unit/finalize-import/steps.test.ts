import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processChunk } from '../../../lambdas/process-chunk/process-chunk';
import type { FinalizeMessage } from '../../../lambdas/shared/model';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { anEmailMessage, userRow, usersCsv } from '../../helpers/factories';
import { FakeEmailMessageStore, FakeMailSender } from '../../helpers/fakes';
import { sqsEventOf } from '../../helpers/sqs-records';
import { createHarness, givenUpload, storedTask } from '../validate-file/harness';

const mockHarness = createHarness();
const mockEmail = { messages: new FakeEmailMessageStore(), mail: new FakeMailSender() };

jest.mock('../../../lambdas/shared/composition-root', () =>
  jest.requireActual('../../helpers/composition-root-of').compositionRootOf(mockHarness, mockEmail),
);

const MESSAGE_ID = 'msg-steps';

const event = (...messages: FinalizeMessage[]): SQSEvent => sqsEventOf(...messages);

describe('finalize-import: the finalize and reply steps, each reached by its own message', () => {
  let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

  beforeAll(async () => {
    Object.assign(process.env, {
      BUCKET_NAME: 'imports',
      STATE_TABLE: 'imports-state',
      REPLY_FROM: 'no-reply@imports.example.com',
      FINALIZE_QUEUE_URL: 'http://localhost:4566/000000000000/finalize',
      INTAKE_QUEUE_URL: 'http://localhost:4566/000000000000/intake',
    });
    ({ handler } = await import('../../../lambdas/finalize-import/handler'));
  });

  it('finalizes an emailed import and hands it to the reply step, which answers once, however often it is asked', async () => {
    // Prepare: an emailed file checked and imported, so its last chunk sent finalize.
    const task = await givenUpload(mockHarness, usersCsv([userRow(1), userRow(2)]), {
      source: 'email',
      emailKey: `inbound/${MESSAGE_ID}`,
    });
    await mockEmail.messages.create(anEmailMessage({ messageId: MESSAGE_ID, importIds: [task.importId] }));
    await validateFile(mockHarness.validateDeps, task.objectKey);
    for (const chunk of mockHarness.chunks.sent) await processChunk(mockHarness.processDeps, chunk);
    const finalize = mockHarness.finalize.sent.splice(0);

    // Act
    const finalized = await handler(event(...finalize));
    const handedOver = mockHarness.finalize.sent.splice(0);
    const mailAfterFinalize = mockEmail.mail.sent.length;
    const replied = await handler(event(...handedOver, ...handedOver));

    // Assess
    expect(finalize).toEqual([{ kind: 'finalize', importId: task.importId }]);
    expect(finalized.batchItemFailures).toEqual([]);
    expect((await storedTask(mockHarness, task.importId)).status).toBe('COMPLETED');
    expect(handedOver).toEqual([{ kind: 'reply', importId: task.importId }]);
    expect(mailAfterFinalize).toBe(0);
    expect(replied.batchItemFailures).toEqual([]);
    expect(mockEmail.mail.sent.map((mail) => mail.to)).toEqual(['alice@example.com']);
    expect(mockHarness.finalize.sent).toEqual([]);
  });

  it('retries only the reply when sending it fails: the task stays finalized once', async () => {
    // Prepare
    const messageId = 'msg-retry';
    const task = await givenUpload(mockHarness, usersCsv([userRow(3)]), {
      source: 'email',
      emailKey: `inbound/${messageId}`,
    });
    await mockEmail.messages.create(
      anEmailMessage({
        messageId,
        from: 'bob@example.com',
        subject: 'More users',
        importIds: [task.importId],
      }),
    );
    mockHarness.chunks.sent.splice(0);
    await validateFile(mockHarness.validateDeps, task.objectKey);
    for (const chunk of mockHarness.chunks.sent) await processChunk(mockHarness.processDeps, chunk);
    await handler(event(...mockHarness.finalize.sent.splice(0)));
    const reply = mockHarness.finalize.sent.splice(0);
    const before = mockEmail.mail.sent.length;
    mockEmail.mail.failNext = 1;

    // Act
    const failed = await handler(event(...reply));
    const retried = await handler(event(...reply));

    // Assess
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(mockEmail.mail.sent.slice(before).map((mail) => mail.to)).toEqual(['bob@example.com']);
    expect(mockHarness.finalize.sent).toEqual([]);
  });
});
