import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';

/** Which receive of its message an invocation is handling. */
export interface Delivery {
  /** SQS's ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number;
  maxReceiveCount: number;
  /** A failure now moves the message to the dead-letter queue: the consumer's last chance to end its task. */
  isLastReceive: boolean;
}

export const deliveryOf = (record: SQSRecord, maxReceiveCount: number): Delivery => {
  const parsed = Number(record.attributes?.ApproximateReceiveCount);
  const receiveCount = Number.isInteger(parsed) && parsed > 0 ? parsed : 1;
  return { receiveCount, maxReceiveCount, isLastReceive: receiveCount >= maxReceiveCount };
};

/**
 * What a consumer does when its message failed on its last receive (DESIGN §2: the task still ends): give
 * its work up so the task reaches a final status with the cause. It handles its own failures; the message
 * fails into the dead-letter queue either way, for the alarm and the operator.
 */
export type LastReceiveHook<Message> = (
  message: Message,
  delivery: Delivery,
  error: unknown,
) => Promise<void>;

/** The first line of an error's message, cut to `max` characters: the cause a give-up's reason quotes. */
export const causeOf = (error: unknown, max = 160): string =>
  error instanceof Error ? (error.message.split('\n')[0]?.slice(0, max) ?? '') : String(error);

/**
 * Wraps a per-message function as an SQS handler that reports partial batch failures: a message that
 * throws is retried on its own (and reaches the dead-letter queue after the queue's max receives);
 * the others in the batch are deleted. On the last receive, `onLastReceive` runs before the message fails
 * for good. A body that is not valid JSON for `schema` fails the same way, so it is kept for an operator
 * rather than dropped.
 */
export const createSqsHandler = <Message>(
  schema: z.ZodType<Message>,
  logger: Logger,
  processMessage: (message: Message, record: SQSRecord, delivery: Delivery) => Promise<void>,
  /** The queue's receives before its dead-letter queue (its redrive policy's maxReceiveCount). */
  maxReceiveCount = Number.POSITIVE_INFINITY,
  onLastReceive?: LastReceiveHook<Message>,
) => {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    const delivery = deliveryOf(record, maxReceiveCount);
    let message: Message | undefined;
    try {
      message = schema.parse(JSON.parse(record.body));
      await processMessage(message, record, delivery);
    } catch (error) {
      if (delivery.isLastReceive && onLastReceive && message !== undefined) {
        await onLastReceive(message, delivery, error).catch((hookError: unknown) =>
          logger.error('Giving up on the last receive failed too', {
            messageId: record.messageId,
            error: hookError,
          }),
        );
      }
      logger.error(
        delivery.isLastReceive
          ? 'Message failed on its last receive; it moves to the dead-letter queue'
          : 'Message failed; it will be retried',
        { messageId: record.messageId, receiveCount: delivery.receiveCount, maxReceiveCount, error },
      );
      throw error;
    }
  };
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    // A processor per invocation: it collects the batch's outcomes, and the local stack's pollers may
    // run one handler on two batches at once, which would mix the failures of both in a shared one.
    const response = await processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), {
      ...(context ? { context } : {}),
      // A batch where every message failed is reported message by message too, not thrown as a whole.
      throwOnFullBatchFailure: false,
    });
    // Records run in parallel and fail in completion order; report them in the batch's order instead,
    // so the response does not depend on timing.
    const position = new Map(event.Records.map((record, index) => [record.messageId, index]));
    const byPosition = (failure: SQSBatchItemFailure) => position.get(failure.itemIdentifier) ?? -1;
    return {
      batchItemFailures: [...response.batchItemFailures].sort((a, b) => byPosition(a) - byPosition(b)),
    };
  };
};
