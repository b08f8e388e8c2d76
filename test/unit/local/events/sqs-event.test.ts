import type { Message } from '@aws-sdk/client-sqs';
import {
  batchOutcome,
  MalformedMessageError,
  toSqsEvent,
  toSqsRecord,
} from '../../../../local/events/sqs-event';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bulk-imports-chunks';

const aMessage = (id: string, overrides: Partial<Message> = {}): Message => ({
  MessageId: id,
  ReceiptHandle: `handle-${id}`,
  Body: `{"id":"${id}"}`,
  MD5OfBody: 'md5',
  Attributes: {
    ApproximateReceiveCount: '2',
    SentTimestamp: '1700000000000',
    SenderId: 'AIDA',
    ApproximateFirstReceiveTimestamp: '1700000000500',
  },
  ...overrides,
});

describe('SQS event shaping', () => {
  it('builds the record Lambda hands to the function', () => {
    // Act
    const record = toSqsRecord(
      aMessage('m1', {
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'chunk' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('hi') },
        },
      }),
      QUEUE_ARN,
      'us-east-1',
    );

    // Assess
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'handle-m1',
      body: '{"id":"m1"}',
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000500',
      },
      messageAttributes: {
        kind: { stringValue: 'chunk', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: 'aGk=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: QUEUE_ARN,
      awsRegion: 'us-east-1',
    });
  });

  it('refuses a message without a receipt handle', () => {
    expect(() => toSqsRecord(aMessage('m1', { ReceiptHandle: undefined }), QUEUE_ARN, 'us-east-1')).toThrow(
      MalformedMessageError,
    );
  });
});

describe('batch outcome', () => {
  const event = toSqsEvent([aMessage('a'), aMessage('b'), aMessage('c')], QUEUE_ARN, 'us-east-1');
  const ids = (records: { messageId: string }[]) => records.map((record) => record.messageId);

  it('deletes every message when the function reports no failures', () => {
    // Act
    const outcome = batchOutcome(event, { ok: true, value: { batchItemFailures: [] } });

    // Assess
    expect(outcome.kind).toBe('success');
    expect(ids(outcome.deleted)).toEqual(['a', 'b', 'c']);
    expect(outcome.retried).toEqual([]);
  });

  it('treats an empty answer as success, as Lambda does', () => {
    expect(ids(batchOutcome(event, { ok: true, value: undefined }).deleted)).toEqual(['a', 'b', 'c']);
  });

  it('retries only the listed messages', () => {
    // Act
    const outcome = batchOutcome(event, {
      ok: true,
      value: { batchItemFailures: [{ itemIdentifier: 'b' }] },
    });

    // Assess
    expect(ids(outcome.deleted)).toEqual(['a', 'c']);
    expect(ids(outcome.retried)).toEqual(['b']);
  });

  it('retries the whole batch when the function throws', () => {
    // Act
    const outcome = batchOutcome(event, { ok: false, error: new Error('boom') });

    // Assess
    expect(outcome).toMatchObject({ kind: 'batch-failure', reason: 'function failed: boom' });
    expect(outcome.deleted).toEqual([]);
    expect(ids(outcome.retried)).toEqual(['a', 'b', 'c']);
  });

  it('retries the whole batch when a failure names a message not in the batch', () => {
    // Act
    const outcome = batchOutcome(event, {
      ok: true,
      value: { batchItemFailures: [{ itemIdentifier: 'zzz' }] },
    });

    // Assess
    expect(outcome.kind).toBe('batch-failure');
    expect(outcome.deleted).toEqual([]);
  });

  it('retries the whole batch when the answer has the wrong shape', () => {
    // Act
    const outcome = batchOutcome(event, { ok: true, value: { batchItemFailures: [{ itemIdentifier: '' }] } });

    // Assess
    expect(outcome).toMatchObject({ kind: 'batch-failure', reason: 'invalid batch response' });
  });
});
