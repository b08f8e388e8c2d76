import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageQueue } from '../ports';
import { SQS_MAX_BYTES, sqsBodyProblem } from '../queue-limits';

/** SQS accepts at most 10 entries per batch call. */
const SQS_BATCH = 10;

/** Consecutive runs of at most 10 bodies and 256 KiB, in order. */
const batchesOf = (bodies: readonly string[]): string[][] => {
  const batches: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body);
    if (current.length === SQS_BATCH || (current.length > 0 && bytes + size > SQS_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(body);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
};

/**
 * MessageQueue on one SQS queue; messages are JSON bodies, sent in batches that fit SQS's limits. A message
 * SQS could never carry is refused before anything is sent, with what is wrong with it.
 */
export class SqsQueue<Message> implements MessageQueue<Message> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly Message[]): Promise<void> {
    const bodies = messages.map((message) => JSON.stringify(message));
    bodies.forEach((body, index) => {
      const problem = sqsBodyProblem(body);
      if (problem) throw new Error(`Message ${index + 1} of ${bodies.length} ${problem}: nothing was sent`);
    });
    for (const batch of batchesOf(bodies)) {
      let entries = batch.map((body, index) => ({ Id: String(index), MessageBody: body }));
      for (let attempt = 0; entries.length > 0; attempt += 1) {
        const out = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const failures = out.Failed ?? [];
        if (failures.length === 0) break;
        // A sender fault (a body too large, an invalid character) fails the same way on every retry.
        if (attempt >= 5 || failures.some((failure) => failure.SenderFault)) {
          const reasons = failures.map((failure) => `${failure.Code}: ${failure.Message ?? ''}`).join('; ');
          throw new Error(`Could not send ${failures.length} message(s) to ${this.queueUrl}: ${reasons}`);
        }
        const failed = new Set(failures.map((failure) => failure.Id));
        entries = entries.filter((entry) => failed.has(entry.Id));
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}
