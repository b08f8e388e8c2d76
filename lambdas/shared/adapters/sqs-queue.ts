import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageQueue } from '../ports';

/** SQS accepts at most 10 entries per batch call. */
const SQS_BATCH = 10;

/** MessageQueue on one SQS queue; messages are JSON bodies. */
export class SqsQueue<Message> implements MessageQueue<Message> {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(messages: readonly Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      let entries = messages
        .slice(start, start + SQS_BATCH)
        .map((message, index) => ({ Id: String(index), MessageBody: JSON.stringify(message) }));
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
