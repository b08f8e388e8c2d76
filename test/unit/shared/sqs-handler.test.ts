import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { causeOf, createSqsHandler, type Delivery, deliveryOf } from '../../../lambdas/shared/sqs-handler';

const messageSchema = z.object({ kind: z.literal('test'), id: z.string() });
type Message = z.infer<typeof messageSchema>;

const sqsRecord = (messageId: string, body: string): SQSRecord => ({
  messageId,
  receiptHandle: `handle-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1763805600000',
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: '1763805600000',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:imports-test',
  awsRegion: 'eu-west-1',
});

const eventOf = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const setup = (processMessage: (message: Message) => Promise<void>) => {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const logged = jest.spyOn(logger, 'error');
  const seen: Message[] = [];
  const handler = createSqsHandler(messageSchema, logger, async (message) => {
    seen.push(message);
    await processMessage(message);
  });
  return { handler, logged, seen };
};

describe('createSqsHandler', () => {
  it('reports only the message that failed, so the others are deleted', async () => {
    // Prepare
    const { handler, seen, logged } = setup(async (message) => {
      if (message.id === 'b') throw new Error('store unavailable');
    });
    const event = eventOf(
      sqsRecord('m-1', JSON.stringify({ kind: 'test', id: 'a' })),
      sqsRecord('m-2', JSON.stringify({ kind: 'test', id: 'b' })),
      sqsRecord('m-3', JSON.stringify({ kind: 'test', id: 'c' })),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    expect(seen.map((message) => message.id)).toEqual(['a', 'b', 'c']);
    expect(logged).toHaveBeenCalledWith(
      'Message failed; it will be retried',
      expect.objectContaining({ messageId: 'm-2', receiveCount: 1 }),
    );
  });

  it('fails a body that is not JSON or does not match the schema, without calling the core', async () => {
    // Prepare
    const { handler, seen } = setup(async () => undefined);
    const event = eventOf(
      sqsRecord('bad-json', '{"kind": "test", '),
      sqsRecord('bad-shape', JSON.stringify({ kind: 'other', id: 1 })),
      sqsRecord('good', JSON.stringify({ kind: 'test', id: 'ok' })),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'bad-json' },
      { itemIdentifier: 'bad-shape' },
    ]);
    expect(seen).toEqual([{ kind: 'test', id: 'ok' }]);
  });

  it('reports every message when the whole batch fails, instead of throwing', async () => {
    // Prepare
    const { handler } = setup(async () => {
      throw new Error('down');
    });
    const event = eventOf(
      sqsRecord('m-1', JSON.stringify({ kind: 'test', id: 'a' })),
      sqsRecord('m-2', JSON.stringify({ kind: 'test', id: 'b' })),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }]);
  });

  it('lists failures in the batch order, whatever order they failed in', async () => {
    // Prepare: the first message fails last.
    const { handler } = setup(async (message) => {
      await new Promise((resolve) => setTimeout(resolve, message.id === 'slow' ? 20 : 1));
      throw new Error('nope');
    });
    const event = eventOf(
      sqsRecord('first', JSON.stringify({ kind: 'test', id: 'slow' })),
      sqsRecord('second', JSON.stringify({ kind: 'test', id: 'fast' })),
      sqsRecord('third', 'not json'),
    );

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'first' },
      { itemIdentifier: 'second' },
      { itemIdentifier: 'third' },
    ]);
  });

  it('keeps the failures of concurrent invocations apart', async () => {
    // Prepare: the local stack's pollers can invoke one handler for two batches at once.
    const { handler } = setup(async (message) => {
      await new Promise((resolve) => setTimeout(resolve, message.id === 'slow' ? 20 : 1));
      if (message.id.startsWith('fail')) throw new Error('nope');
    });
    const first = eventOf(
      sqsRecord('1-a', JSON.stringify({ kind: 'test', id: 'slow' })),
      sqsRecord('1-b', JSON.stringify({ kind: 'test', id: 'fail-1' })),
    );
    const second = eventOf(
      sqsRecord('2-a', JSON.stringify({ kind: 'test', id: 'fail-2' })),
      sqsRecord('2-b', JSON.stringify({ kind: 'test', id: 'fast' })),
    );

    // Act
    const [one, two] = await Promise.all([handler(first), handler(second)]);

    // Assess
    expect(one.batchItemFailures).toEqual([{ itemIdentifier: '1-b' }]);
    expect(two.batchItemFailures).toEqual([{ itemIdentifier: '2-a' }]);
  });

  it('reports no failures when every message succeeds, across invocations', async () => {
    // Prepare
    const { handler } = setup(async () => undefined);
    await handler(eventOf(sqsRecord('x', '{}')));

    // Act
    const response = await handler(eventOf(sqsRecord('m-1', JSON.stringify({ kind: 'test', id: 'a' }))));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
  });

  it('tells the core which receive it handles, and that the last one is last', async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const deliveries: Delivery[] = [];
    const handler = createSqsHandler(
      messageSchema,
      logger,
      async (_message, _record, delivery) => void deliveries.push(delivery),
      3,
    );
    const received = (count: string, id: string): SQSRecord => ({
      ...sqsRecord(id, JSON.stringify({ kind: 'test', id })),
      attributes: { ...sqsRecord(id, '').attributes, ApproximateReceiveCount: count },
    });

    // Act
    await handler(eventOf(received('2', 'second'), received('3', 'third')));

    // Assess
    expect(deliveries).toEqual([
      { receiveCount: 2, maxReceiveCount: 3, isLastReceive: false },
      { receiveCount: 3, maxReceiveCount: 3, isLastReceive: true },
    ]);
  });

  it('reads a missing or malformed receive count as the first receive', () => {
    // Prepare
    const record = { ...sqsRecord('m', '{}'), attributes: { ...sqsRecord('m', '{}').attributes } };
    record.attributes.ApproximateReceiveCount = 'many';

    // Act
    const delivery = deliveryOf(record, 1);

    // Assess
    expect(delivery).toEqual({ receiveCount: 1, maxReceiveCount: 1, isLastReceive: true });
  });

  it('runs the last-receive hook only on the last receive, and the message still fails into the DLQ', async () => {
    // Prepare
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const logged = jest.spyOn(logger, 'error');
    const givenUp: [string, number, string][] = [];
    const handler = createSqsHandler(
      messageSchema,
      logger,
      async () => {
        throw new Error('store unavailable\nat line 2');
      },
      3,
      async (message, delivery, error) => {
        givenUp.push([message.id, delivery.receiveCount, causeOf(error)]);
        if (message.id === 'b') throw new Error('the give-up failed');
      },
    );
    const received = (id: string, count: number) => {
      const record = sqsRecord(`m-${id}-${count}`, JSON.stringify({ kind: 'test', id }));
      record.attributes.ApproximateReceiveCount = String(count);
      return record;
    };

    // Act
    const response = await handler(eventOf(received('a', 2), received('a', 3), received('b', 3)));

    // Assess
    expect(givenUp).toEqual([
      ['a', 3, 'store unavailable'],
      ['b', 3, 'store unavailable'],
    ]);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'm-a-2',
      'm-a-3',
      'm-b-3',
    ]);
    expect(logged).toHaveBeenCalledWith(
      'Giving up on the last receive failed too',
      expect.objectContaining({ messageId: 'm-b-3' }),
    );
  });
});
