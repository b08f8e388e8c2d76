import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { z } from 'zod';

/**
 * What Lambda's SQS event source mapping does around a function, as pure functions: the event it builds
 * from received messages, and which messages it deletes given the function's answer.
 */

const messageAttributes = (message: Message): SQSMessageAttributes =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined
          ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
          : {}),
        stringListValues: [],
        binaryListValues: [],
        dataType: value.DataType ?? 'String',
      },
    ]),
  );

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

/** One received message as Lambda hands it to the function. */
export const toSqsRecord = (message: Message, queueArn: string, region: string): SQSRecord => {
  const { MessageId, ReceiptHandle, Body, MD5OfBody } = message;
  if (!MessageId || !ReceiptHandle || Body === undefined) {
    throw new MalformedMessageError('SQS returned a message without id, receipt handle or body');
  }
  const attributes = message.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? 'LOCAL',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: messageAttributes(message),
    md5OfBody: MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
};

export const toSqsEvent = (messages: readonly Message[], queueArn: string, region: string): SQSEvent => ({
  Records: messages.map((message) => toSqsRecord(message, queueArn, region)),
});

const batchResponseSchema = z
  .object({ batchItemFailures: z.array(z.object({ itemIdentifier: z.string().min(1) })).optional() })
  .nullish();

export type BatchOutcome =
  | { kind: 'success'; deleted: SQSRecord[]; retried: SQSRecord[] }
  /** The whole batch is retried: the function threw, or answered something Lambda would reject. */
  | { kind: 'batch-failure'; deleted: []; retried: SQSRecord[]; reason: string };

/**
 * Splits a batch by the function's answer the way Lambda does with ReportBatchItemFailures: listed
 * messages are retried, the others deleted; a thrown error, an answer of the wrong shape or an
 * identifier that is not in the batch fails the whole batch.
 */
export const batchOutcome = (
  event: SQSEvent,
  answer: { ok: true; value: unknown } | { ok: false; error: unknown },
): BatchOutcome => {
  const all = event.Records;
  if (!answer.ok) {
    const reason = answer.error instanceof Error ? answer.error.message : String(answer.error);
    return { kind: 'batch-failure', deleted: [], retried: all, reason: `function failed: ${reason}` };
  }
  const parsed = batchResponseSchema.safeParse(answer.value);
  if (!parsed.success) {
    return { kind: 'batch-failure', deleted: [], retried: all, reason: 'invalid batch response' };
  }
  const failedIds = new Set((parsed.data?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  const known = new Set(all.map((record) => record.messageId));
  const unknown = [...failedIds].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    return {
      kind: 'batch-failure',
      deleted: [],
      retried: all,
      reason: `batch response names messages not in the batch: ${unknown.join(', ')}`,
    };
  }
  return {
    kind: 'success',
    deleted: all.filter((record) => !failedIds.has(record.messageId)),
    retried: all.filter((record) => failedIds.has(record.messageId)),
  };
};
