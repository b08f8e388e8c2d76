import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { type PolledQueue, QueuePoller } from '../../../../local/events/poller';
import type { FunctionInvoker } from '../../../../local/functions/invoker';
import type { Log } from '../../../../local/log';

const quietLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

const aMessage = (id: string): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: JSON.stringify({ id }),
  Attributes: { ApproximateReceiveCount: '1' },
});

/** A queue that hands out the given batches, then nothing; records deletes and visibility changes. */
class ScriptedQueue implements PolledQueue {
  readonly deleted: string[] = [];
  readonly extended: string[][] = [];
  receives = 0;

  constructor(private readonly batches: Message[][]) {}

  async receive(): Promise<Message[]> {
    this.receives += 1;
    const next = this.batches.shift();
    if (next) return next;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return [];
  }

  async delete(handles: readonly string[]): Promise<string[]> {
    this.deleted.push(...handles);
    return [];
  }

  async extendVisibility(handles: readonly string[]): Promise<void> {
    this.extended.push([...handles]);
  }
}

const invokerOf = (run: (event: SQSEvent) => Promise<unknown>): FunctionInvoker & { events: SQSEvent[] } => {
  const events: SQSEvent[] = [];
  return {
    name: 'fn',
    events,
    invoke: async (event) => {
      events.push(event as SQSEvent);
      return run(event as SQSEvent);
    },
  };
};

const until = async (condition: () => boolean, timeoutMs = 3000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const pollerFor = (
  queue: PolledQueue,
  invoker: FunctionInvoker,
  overrides: { concurrency?: number; visibility?: number } = {},
) =>
  new QueuePoller({
    queueName: 'chunks',
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:chunks',
    region: 'us-east-1',
    batchSize: 10,
    concurrency: overrides.concurrency ?? 1,
    visibilityTimeoutSeconds: overrides.visibility ?? 30,
    waitSeconds: 0,
    queue,
    invoker,
    log: quietLog,
  });

describe('queue poller', () => {
  it('hands a Lambda-shaped batch to the function and deletes all but the reported failures', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('a'), aMessage('b'), aMessage('c')]]);
    const invoker = invokerOf(async () => ({ batchItemFailures: [{ itemIdentifier: 'b' }] }));
    const poller = pollerFor(queue, invoker);

    // Act
    poller.start();
    await until(() => queue.deleted.length > 0);
    await poller.stop();

    // Assess
    expect(invoker.events).toHaveLength(1);
    expect(invoker.events[0]?.Records.map((record) => [record.messageId, record.eventSource])).toEqual([
      ['a', 'aws:sqs'],
      ['b', 'aws:sqs'],
      ['c', 'aws:sqs'],
    ]);
    expect(queue.deleted).toEqual(['rh-a', 'rh-c']);
  });

  it('deletes nothing when the function throws, leaving the batch to the visibility timeout', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('a'), aMessage('b')]]);
    const invoker = invokerOf(async () => {
      throw new Error('boom');
    });
    const poller = pollerFor(queue, invoker);

    // Act
    poller.start();
    await until(() => invoker.events.length === 1 && queue.receives > 1);
    await poller.stop();

    // Assess
    expect(queue.deleted).toEqual([]);
  });

  it('keeps messages hidden while the function runs', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('slow')]]);
    const invoker = invokerOf(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 1300)));
    const poller = pollerFor(queue, invoker, { visibility: 2 });

    // Act
    poller.start();
    await until(() => queue.deleted.length === 1);
    await poller.stop();

    // Assess
    expect(queue.extended.length).toBeGreaterThanOrEqual(1);
    expect(queue.extended[0]).toEqual(['rh-slow']);
  });

  it('runs up to its concurrency of batches at once', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('1')], [aMessage('2')], [aMessage('3')]]);
    let running = 0;
    let peak = 0;
    const invoker = invokerOf(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running -= 1;
    });
    const poller = pollerFor(queue, invoker, { concurrency: 2 });

    // Act
    poller.start();
    await until(() => queue.deleted.length === 3);
    await poller.stop();

    // Assess
    expect(peak).toBe(2);
  });

  it('waits for the batch in flight when stopped', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('a')]]);
    const invoker = invokerOf(() => new Promise((resolve) => setTimeout(() => resolve(undefined), 200)));
    const poller = pollerFor(queue, invoker);
    poller.start();
    await until(() => invoker.events.length === 1);

    // Act
    await poller.stop();

    // Assess
    expect(queue.deleted).toEqual(['rh-a']);
  });

  it('does not consume a queue whose concurrency is 0', async () => {
    // Prepare
    const queue = new ScriptedQueue([[aMessage('a')]]);
    const poller = pollerFor(
      queue,
      invokerOf(async () => undefined),
      { concurrency: 0 },
    );

    // Act
    poller.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await poller.stop();

    // Assess
    expect(queue.receives).toBe(0);
  });
});
