import type { CreateTableCommandInput, Projection } from '@aws-sdk/client-dynamodb';
import {
  EMAIL_INGEST_FAILURES,
  type IndexProjection,
  type QueueDefinition,
  type TableDefinition,
} from '../lambdas/shared/resource-definitions';

/**
 * Physical names and emulator inputs of the local stack's resources, built from the same definitions as
 * the CDK stack. Each stack runs its own emulators, so plain names cannot clash between stacks.
 */

export const LOCAL_BUCKET = 'bulk-imports-local';
export const LOCAL_TABLES = { state: 'bulk-imports-state', records: 'bulk-imports-records' } as const;

export const queueName = (id: QueueDefinition['id']): string => `bulk-imports-${id}`;
export const deadLetterQueueName = (id: QueueDefinition['id']): string => `bulk-imports-${id}-dlq`;
/** Where the local SMTP receiver puts an email event that ingest failed on every attempt. */
export const EMAIL_INGEST_FAILURES_QUEUE = `bulk-imports-${EMAIL_INGEST_FAILURES.id}`;

/** Dead-letter queues keep failed messages for the SQS maximum, 14 days, so an operator can look. */
const DLQ_RETENTION_SECONDS = EMAIL_INGEST_FAILURES.retentionSeconds;

export const deadLetterQueueAttributes = (): Record<string, string> => ({
  MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
});

/**
 * Attributes of a source queue. The visibility timeout is the local one (short, so a killed stack gets its
 * in-flight messages back quickly); the redrive count is the deployed one, so poison messages behave alike.
 */
export const sourceQueueAttributes = (
  definition: QueueDefinition,
  deadLetterArn: string,
  visibilityTimeoutSeconds: number,
): Record<string, string> => ({
  VisibilityTimeout: String(visibilityTimeoutSeconds),
  RedrivePolicy: JSON.stringify({
    deadLetterTargetArn: deadLetterArn,
    maxReceiveCount: String(definition.maxReceiveCount),
  }),
});

/** DynamoDB's form of an index projection. */
export const projectionOf = (projection: IndexProjection): Projection =>
  projection.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] }
    : { ProjectionType: projection.type };

const projectionSignature = (projection: DescribedIndex['Projection']): string =>
  `${projection?.ProjectionType}:${[...(projection?.NonKeyAttributes ?? [])].sort().join(',')}`;

/** The CreateTable input of a table definition: on-demand, every key a string, each index's projection. */
export const createTableInput = (definition: TableDefinition, tableName: string): CreateTableCommandInput => {
  const keyNames = [
    definition.partitionKey,
    ...(definition.sortKey ? [definition.sortKey] : []),
    ...definition.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...new Set(keyNames)].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    ...(definition.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: projectionOf(index.projection),
          })),
        }
      : {}),
  };
};

interface DescribedIndex {
  IndexName?: string | undefined;
  KeySchema?: { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined;
  Projection?: { ProjectionType?: string | undefined; NonKeyAttributes?: string[] | undefined } | undefined;
}

interface DescribedTable {
  KeySchema?: { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined;
  GlobalSecondaryIndexes?: DescribedIndex[] | undefined;
}

const keySignature = (schema: DescribedTable['KeySchema']): string =>
  (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');

/**
 * Differences a rebuild cures: indexes the definition added, and indexes whose projection changed. The
 * emulator can neither add an index nor change one in place, but the items are all there to copy back.
 */
export const rebuildableDrift = (drift: readonly string[]): boolean =>
  drift.length > 0 && drift.every((problem) => / is missing$| projects other attributes$/.test(problem));

/**
 * Differences between an existing table and its definition. The emulator cannot change a table in place:
 * one that only lacks indexes is rebuilt (`table-rebuild.ts`); any other difference is reported.
 */
export const tableDrift = (definition: TableDefinition, existing: DescribedTable): string[] => {
  const wanted = createTableInput(definition, 'unused');
  const problems: string[] = [];
  if (keySignature(existing.KeySchema) !== keySignature(wanted.KeySchema)) {
    problems.push(
      `key schema is ${keySignature(existing.KeySchema)}, expected ${keySignature(wanted.KeySchema)}`,
    );
  }
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    const found = (existing.GlobalSecondaryIndexes ?? []).find((item) => item.IndexName === index.IndexName);
    if (!found) {
      problems.push(`index ${index.IndexName} is missing`);
    } else if (keySignature(found.KeySchema) !== keySignature(index.KeySchema)) {
      problems.push(`index ${index.IndexName} differs from its definition`);
    } else if (projectionSignature(found.Projection) !== projectionSignature(index.Projection)) {
      problems.push(`index ${index.IndexName} projects other attributes`);
    }
  }
  return problems;
};
