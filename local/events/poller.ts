import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionInvoker } from '../functions/invoker';
import type { Log } from '../log';
import { batchOutcome, toSqsEvent } from './sqs-event';

/**
 * One queue's event source mapping: long-polls, hands Lambda-shaped batches to the function, deletes what
 * succeeded and leaves failures to the visibility timeout, so redelivery and the dead-letter queue after
 * the queue's max receives work as on AWS.
 */

/** The few SQS calls a poller makes, narrowed so tests can drive a poller without an emulator. */
export interface PolledQueue {
  receive(maxMessages: number, waitSeconds: number): Promise<Message[]>;
  /** Deletes by receipt handle; returns the handles that could not be deleted. */
  delete(receiptHandles: readonly string[]): Promise<string[]>;
  extendVisibility(receiptHandles: readonly string[], seconds: number): Promise<void>;
}

const SQS_BATCH = 10;

const inBatches = <T>(items: readonly T[]): T[][] => {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += SQS_BATCH)
    batches.push(items.slice(start, start + SQS_BATCH));
  return batches;
};

export const sqsPolledQueue = (sqs: SQSClient, queueUrl: string): PolledQueue => ({
  receive: async (maxMessages, waitSeconds) => {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  },
  delete: async (receiptHandles) => {
    const failed: string[] = [];
    for (const batch of inBatches(receiptHandles)) {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
        }),
      );
      for (const failure of out.Failed ?? []) {
        const handle = batch[Number(failure.Id)];
        if (handle) failed.push(handle);
      }
    }
    return failed;
  },
  extendVisibility: async (receiptHandles, seconds) => {
    for (const batch of inBatches(receiptHandles)) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((handle, index) => ({
            Id: String(index),
            ReceiptHandle: handle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  },
});

export interface PollerOptions {
  queueName: string;
  queueArn: string;
  region: string;
  batchSize: number;
  /** Batches in flight at once; 0 leaves the queue unconsumed. */
  concurrency: number;
  visibilityTimeoutSeconds: number;
  /** Long-poll wait; also bounds how long a stop waits for an idle worker. */
  waitSeconds?: number;
  queue: PolledQueue;
  invoker: FunctionInvoker;
  log: Log;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class QueuePoller {
  private stopping = false;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    const { concurrency, queueName, log } = this.options;
    if (concurrency === 0) {
      log.warn('queue not consumed (concurrency 0)', { queue: queueName });
      return;
    }
    this.workers = Array.from({ length: concurrency }, () => this.work());
    log.info('polling', { queue: queueName, function: this.options.invoker.name, concurrency });
  }

  /** Stops receiving, and resolves once every batch in flight has been handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    const { queue, batchSize, waitSeconds = 2, log } = this.options;
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await queue.receive(batchSize, waitSeconds);
      } catch (error) {
        if (this.stopping) return;
        log.error('receive failed; retrying in 1 s', error);
        await sleep(1000);
        continue;
      }
      if (messages.length > 0) await this.runBatch(messages);
    }
  }

  /**
   * While the function runs, its messages are kept hidden (as the 6× function timeout visibility does on
   * AWS); once it ends, a retried message reappears after one visibility timeout. A killed stack stops
   * extending, so its in-flight messages come back after at most one timeout.
   */
  private async runBatch(messages: Message[]): Promise<void> {
    const { queue, invoker, visibilityTimeoutSeconds, queueArn, region, log, queueName } = this.options;
    let event: SQSEvent;
    try {
      event = toSqsEvent(messages, queueArn, region);
    } catch (error) {
      log.error('unusable batch left to the visibility timeout', error, { queue: queueName });
      return;
    }
    const handles = event.Records.map((record) => record.receiptHandle);
    const heartbeat = setInterval(
      () => {
        queue.extendVisibility(handles, visibilityTimeoutSeconds).catch((error: unknown) => {
          log.error('could not extend visibility; the batch may be delivered twice', error, {
            queue: queueName,
          });
        });
      },
      Math.max(1000, (visibilityTimeoutSeconds * 1000) / 3),
    );
    const started = Date.now();
    const answer = await invoker.invoke(event).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    clearInterval(heartbeat);
    const outcome = batchOutcome(event, answer);
    const fields = {
      queue: queueName,
      messages: event.Records.length,
      deleted: outcome.deleted.length,
      retried: outcome.retried.length,
      receives: event.Records.map((record) => record.attributes.ApproximateReceiveCount).join(','),
      ms: Date.now() - started,
    };
    if (outcome.kind === 'batch-failure') {
      log.warn(`batch failed: ${outcome.reason}`, fields);
    } else if (outcome.retried.length > 0) {
      log.warn('batch partly failed: reported failures are retried', fields);
    } else {
      log.info('batch done', fields);
    }
    if (outcome.deleted.length === 0) return;
    try {
      const undeleted = await queue.delete(outcome.deleted.map((record) => record.receiptHandle));
      if (undeleted.length > 0) {
        log.warn('some handled messages could not be deleted and will be delivered again', {
          queue: queueName,
          count: undeleted.length,
        });
      }
    } catch (error) {
      log.error('delete failed; handled messages will be delivered again', error, { queue: queueName });
    }
  }
}
