import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SqsQueue } from '../../../../lambdas/shared/adapters/sqs-queue';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/imports-chunks';

const sqsMock = mockClient(SQSClient);
const queue = () => new SqsQueue<{ n: number }>(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL);
const messages = (count: number) => Array.from({ length: count }, (_, n) => ({ n }));

/** What each SendMessageBatch call carried, as the decoded message bodies. */
const sentBatches = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .map((call) =>
      (call.args[0].input.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody ?? 'null')),
    );

beforeEach(() => {
  sqsMock.reset();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('SqsQueue.send', () => {
  it('sends JSON bodies in batches of at most 10, in order', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queue().send(messages(23));

    // Assess
    expect(sentBatches().map((batch) => batch.length)).toEqual([10, 10, 3]);
    expect(sentBatches().flat()).toEqual(messages(23));
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: QUEUE_URL });
  });

  it("keeps every batch within SQS's 256 KiB, starting a new one before a message would pass it", async () => {
    // Prepare: 60 KB messages, so at most four fit a batch.
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const big = Array.from({ length: 10 }, (_, n) => ({ n, pad: 'x'.repeat(60_000) }));

    // Act
    await new SqsQueue<(typeof big)[number]>(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL).send(big);

    // Assess
    const batches = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((call) => call.args[0].input.Entries ?? []);
    expect(batches.map((batch) => batch.length)).toEqual([4, 4, 2]);
    for (const batch of batches) {
      const bytes = batch.reduce((sum, entry) => sum + Buffer.byteLength(entry.MessageBody ?? ''), 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(
      sentBatches()
        .flat()
        .map((message) => message.n),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses, before sending anything, a message SQS could not carry, saying why', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const send = (message: { text: string }) =>
      new SqsQueue<{ text: string }>(new SQSClient({ region: 'eu-west-1' }), QUEUE_URL).send([
        { text: 'fine' },
        message,
      ]);

    // Act / Assess
    await expect(send({ text: 'x'.repeat(300_000) })).rejects.toThrow(
      /Message 2 of 2 is 293 KB; SQS carries at most 256 KB/,
    );
    await expect(send({ text: 'a\uFFFEb' })).rejects.toThrow(
      /Message 2 of 2 has a character SQS refuses \(U\+FFFE at character 11\)/,
    );
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('sends nothing for no messages', async () => {
    // Act
    await queue().send([]);

    // Assess
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('retries only the entries SQS failed', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false },
          { Id: '4', Code: 'ServiceUnavailable', SenderFault: false },
        ],
      })
      .resolves({ Successful: [], Failed: [] });

    // Act
    await queue().send(messages(5));

    // Assess
    expect(sentBatches()).toEqual([messages(5), [{ n: 1 }, { n: 4 }]]);
    const retryIds = sqsMock
      .commandCalls(SendMessageBatchCommand)[1]
      ?.args[0].input.Entries?.map((e) => e.Id);
    expect(retryIds).toEqual(['1', '4']);
  });

  it('gives up at once on a sender fault, which no retry can fix', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidParameterValue', Message: 'Message too long', SenderFault: true }],
    });

    // Act / Assess
    await expect(queue().send(messages(2))).rejects.toThrow(/InvalidParameterValue: Message too long/);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('throws after repeated failures instead of dropping the messages', async () => {
    // Prepare
    jest.useFakeTimers();
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: [],
      Failed: (input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        Code: 'InternalError',
        SenderFault: false,
      })),
    }));

    // Act
    const sending = queue().send(messages(3));
    const outcome = expect(sending).rejects.toThrow(/Could not send 3 message\(s\) to .*imports-chunks/);
    await jest.advanceTimersByTimeAsync(60_000);

    // Assess
    await outcome;
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 6);
  });
});
