import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { QUEUES, type QueueDefinition } from '../lambdas/shared/resource-definitions';
import { LOCAL_CREDENTIALS } from '../local/clients';
import { deadLetterQueueName, queueName } from '../local/resources';
import { loadLocalSettings } from '../local/settings';
import { readArgs } from './args';

/**
 * `npm run redrive -- <intake|chunks|finalize>`: moves every message of a queue's dead-letter queue back to
 * the queue, on a running local stack (IMPORTS_PORT as for `npm start`). The local SQS emulator has no
 * StartMessageMoveTask, so messages are received, sent to the source queue, and only then deleted from the
 * dead-letter queue: a crash in between leaves a message in both, which is harmless (every step is
 * idempotent, and work for tasks already final is dropped). On AWS use `aws sqs start-message-move-task`
 * (docs/operations.md).
 */

const QUEUE_IDS = QUEUES.map((queue) => queue.id);
const usage = `npm run redrive -- <${QUEUE_IDS.join('|')}>`;

/** How long messages received from the dead-letter queue stay hidden while they are moved. */
const MOVE_VISIBILITY_SECONDS = 60;

const parseQueue = (args: readonly string[]): QueueDefinition['id'] => {
  const [id, ...rest] = args;
  if (rest.length > 0) throw new Error(`Unexpected arguments: ${rest.join(' ')}\nusage: ${usage}`);
  const found = QUEUES.find((queue) => queue.id === id);
  if (!found)
    throw new Error(
      `${id === undefined ? 'Name the queue to redrive' : `Unknown queue "${id}"`}\nusage: ${usage}`,
    );
  return found.id;
};

const queueUrl = async (sqs: SQSClient, name: string): Promise<string> => {
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  if (!url) throw new Error(`No queue ${name}: is the local stack running on this IMPORTS_PORT?`);
  return url;
};

/** Moves one batch; returns how many messages it moved. */
const moveBatch = async (sqs: SQSClient, from: string, to: string): Promise<number> => {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: from,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
      MessageAttributeNames: ['All'],
    }),
  );
  const messages = (out.Messages ?? []).filter((message): message is Message & { Body: string } =>
    Boolean(message.Body),
  );
  if (messages.length === 0) return 0;
  const sent = await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: to,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        MessageBody: message.Body,
        ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
      })),
    }),
  );
  // Only messages now in the source queue leave the dead-letter queue; the others reappear there.
  const moved = (sent.Successful ?? [])
    .map((entry) => messages[Number(entry.Id)])
    .filter((message) => message);
  for (const failure of sent.Failed ?? []) {
    process.stderr.write(
      `could not send message ${messages[Number(failure.Id)]?.MessageId}: ${failure.Message}\n`,
    );
  }
  if (moved.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: from,
        Entries: moved.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message?.ReceiptHandle,
        })),
      }),
    );
  }
  return moved.length;
};

const main = async (): Promise<void> => {
  const id = parseQueue(readArgs({ allowPositionals: true, options: {} }, usage).positionals);
  const settings = loadLocalSettings(process.env, process.cwd());
  const sqs = new SQSClient({
    region: settings.region,
    endpoint: `http://127.0.0.1:${settings.ports.fauxqs}`,
    useQueueUrlAsEndpoint: false,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const from = await queueUrl(sqs, deadLetterQueueName(id));
    const to = await queueUrl(sqs, queueName(id));
    let total = 0;
    for (let moved = await moveBatch(sqs, from, to); moved > 0; moved = await moveBatch(sqs, from, to)) {
      total += moved;
    }
    process.stdout.write(`moved ${total} message(s) from ${deadLetterQueueName(id)} to ${queueName(id)}\n`);
  } finally {
    sqs.destroy();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
