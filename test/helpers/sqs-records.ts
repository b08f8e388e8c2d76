import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** One record of an SQS event as Lambda delivers it, first receive unless told otherwise. */
export const sqsRecord = (
  messageId: string,
  body: string,
  options: { queue?: string; receiveCount?: number } = {},
): SQSRecord => ({
  messageId,
  receiptHandle: messageId,
  body,
  attributes: {
    ApproximateReceiveCount: String(options.receiveCount ?? 1),
    SentTimestamp: '0',
    SenderId: 'sender',
    ApproximateFirstReceiveTimestamp: '0',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${options.queue ?? 'queue'}`,
  awsRegion: 'us-east-1',
});

/** An SQS event of one record per message body, ids m0, m1, … */
export const sqsEventOf = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map((body, index) => sqsRecord(`m${index}`, JSON.stringify(body))),
});
