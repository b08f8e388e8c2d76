import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { openIndexKeysOf } from '../lambdas/shared/adapters/dynamo-task-store';
import {
  QUEUES,
  type QueueDefinition,
  RECORDS_TABLE,
  STATE_TABLE,
  type TableDefinition,
} from '../lambdas/shared/resource-definitions';
import { type RawItem, rebuildPending, rebuildTable } from './emulators/table-rebuild';
import { s3TestEvent } from './events/s3-event';
import type { Log } from './log';
import {
  createTableInput,
  deadLetterQueueAttributes,
  deadLetterQueueName,
  EMAIL_INGEST_FAILURES_QUEUE,
  LOCAL_BUCKET,
  LOCAL_TABLES,
  queueName,
  rebuildableDrift,
  sourceQueueAttributes,
  tableDrift,
} from './resources';

/**
 * Creates or converges every resource the handlers rely on, on every start: running it twice changes
 * nothing, and a queue whose attributes were changed by hand gets its defined ones back.
 */

export interface ProvisionedQueue {
  definition: QueueDefinition;
  url: string;
  arn: string;
  deadLetterUrl: string;
}

export interface Provisioned {
  bucket: string;
  tables: { state: string; records: string };
  queues: Record<QueueDefinition['id'], ProvisionedQueue>;
  /** Email ingest's on-failure queue (see `EMAIL_INGEST_FAILURES`). */
  emailIngestFailuresUrl: string;
}

export interface ProvisionClients {
  s3: S3Client;
  sqs: SQSClient;
  dynamo: DynamoDBClient;
}

const isNamed = (error: unknown, ...names: string[]): boolean =>
  error instanceof Error && names.some((name) => error.name === name || error.name.endsWith(`.${name}`));

const ensureBucket = async (s3: S3Client, log: Log): Promise<void> => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: LOCAL_BUCKET }));
    return;
  } catch (error) {
    if (!isNamed(error, 'NotFound', 'NoSuchBucket')) throw error;
  }
  try {
    await s3.send(new CreateBucketCommand({ Bucket: LOCAL_BUCKET }));
    log.info('created bucket', { bucket: LOCAL_BUCKET });
  } catch (error) {
    if (!isNamed(error, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) throw error;
  }
};

/** Returns the queue's URL and whether this call created it. */
const ensureQueue = async (
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; created: boolean }> => {
  let url: string | undefined;
  let created = false;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (!isNamed(error, 'QueueDoesNotExist', 'NonExistentQueue')) throw error;
  }
  if (!url) {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
    created = true;
  }
  if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  return { url, created };
};

const queueArn = async (sqs: SQSClient, url: string): Promise<string> => {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for ${url}`);
  return arn;
};

const ensureQueues = async (
  sqs: SQSClient,
  visibilityTimeoutSeconds: number,
  log: Log,
): Promise<Provisioned['queues']> => {
  const entries = await Promise.all(
    QUEUES.map(async (definition): Promise<[QueueDefinition['id'], ProvisionedQueue]> => {
      const dlq = await ensureQueue(sqs, deadLetterQueueName(definition.id), deadLetterQueueAttributes());
      const dlqArn = await queueArn(sqs, dlq.url);
      const source = await ensureQueue(
        sqs,
        queueName(definition.id),
        sourceQueueAttributes(definition, dlqArn, visibilityTimeoutSeconds),
      );
      if (source.created) log.info('created queue', { queue: queueName(definition.id) });
      if (source.created && definition.id === 'intake') {
        // Configuring a bucket notification makes S3 send this once; consumers must ignore it.
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: source.url,
            MessageBody: JSON.stringify(s3TestEvent(LOCAL_BUCKET)),
          }),
        );
      }
      return [
        definition.id,
        { definition, url: source.url, arn: await queueArn(sqs, source.url), deadLetterUrl: dlq.url },
      ];
    }),
  );
  const queues = Object.fromEntries(entries) as Partial<Provisioned['queues']>;
  const { intake, chunks, finalize } = queues;
  if (!intake || !chunks || !finalize)
    throw new Error('Queue definitions must cover intake, chunks and finalize');
  return { intake, chunks, finalize };
};

const waitUntilActive = async (dynamo: DynamoDBClient, tableName: string): Promise<void> => {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const out = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
};

/** What a stored item of each table needs for indexes added since it was written. */
const PREPARE_FOR_REBUILD: Record<TableDefinition['id'], (item: RawItem) => RawItem> = {
  state: (item) => {
    const { openpk, opensk } = openIndexKeysOf({
      sk: item.sk?.S,
      status: item.status?.S,
      createdAt: item.createdAt?.S,
      importId: item.importId?.S,
    });
    return openpk && opensk ? { ...item, openpk: { S: openpk }, opensk: { S: opensk } } : item;
  },
  records: (item) => item,
};

export const ensureTable = async (
  dynamo: DynamoDBClient,
  definition: TableDefinition,
  tableName: string,
  dataDir: string,
  log: Log,
): Promise<void> => {
  const rebuild = () =>
    rebuildTable({
      dynamo,
      definition,
      tableName,
      backupPath: join(dataDir, `${tableName}.rebuild.jsonl`),
      prepare: PREPARE_FOR_REBUILD[definition.id],
      waitUntilActive: (name) => waitUntilActive(dynamo, name),
      log,
    });
  if (await rebuildPending(join(dataDir, `${tableName}.rebuild.jsonl`))) {
    await rebuild();
    return;
  }
  try {
    const out = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const drift = tableDrift(definition, out.Table ?? {});
    if (drift.length === 0) return;
    if (rebuildableDrift(drift)) {
      log.warn('table lacks indexes, or projects them otherwise, since it was made; rebuilding it', {
        table: tableName,
        drift: drift.join('; '),
      });
      await rebuild();
      return;
    }
    throw new Error(
      `Table ${tableName} does not match its definition (${drift.join('; ')}). ` +
        'It was made by an older version of the stack: remove the data dir to start afresh.',
    );
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException) && !isNamed(error, 'ResourceNotFoundException'))
      throw error;
  }
  await dynamo.send(new CreateTableCommand(createTableInput(definition, tableName)));
  await waitUntilActive(dynamo, tableName);
  log.info('created table', { table: tableName });
};

/** Provisions the bucket, the queues with their dead-letter queues, and both tables. */
export const provision = async (
  clients: ProvisionClients,
  visibilityTimeoutSeconds: number,
  /** The stack's data dir: a table being rebuilt keeps its items here meanwhile. */
  dataDir: string,
  log: Log,
): Promise<Provisioned> => {
  const [queues, emailIngestFailures] = await Promise.all([
    ensureQueues(clients.sqs, visibilityTimeoutSeconds, log),
    ensureQueue(clients.sqs, EMAIL_INGEST_FAILURES_QUEUE, deadLetterQueueAttributes()),
    ensureBucket(clients.s3, log),
    ensureTable(clients.dynamo, STATE_TABLE, LOCAL_TABLES.state, dataDir, log),
    ensureTable(clients.dynamo, RECORDS_TABLE, LOCAL_TABLES.records, dataDir, log),
  ]);
  return {
    bucket: LOCAL_BUCKET,
    tables: { ...LOCAL_TABLES },
    queues,
    emailIngestFailuresUrl: emailIngestFailures.url,
  };
};
