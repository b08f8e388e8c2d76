/**
 * One definition of every resource the code relies on. The CDK stack and the local provisioner both
 * build tables, indexes and queues from these, so the two cannot drift apart.
 */

/**
 * What an index copies of each item beyond the keys: everything, nothing (its reader gets the item itself),
 * or the listed attributes. Every attribute copied is rewritten in the index whenever the item changes.
 */
export type IndexProjection =
  | { type: 'ALL' }
  | { type: 'KEYS_ONLY' }
  | { type: 'INCLUDE'; attributes: readonly string[] };

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  projection: IndexProjection;
}

export interface TableDefinition {
  /** Logical name; the physical name comes from configuration. */
  id: 'state' | 'records';
  partitionKey: string;
  sortKey?: string;
  indexes: readonly IndexDefinition[];
}

/**
 * Tasks, chunk outcomes, row-error pages and settings (single-table, keyed by `pk`/`sk`). A task item is
 * rewritten on every chunk counted, so its indexes copy only what their readers use: `byCreatedAt` (the
 * imports list) the task's public fields, `byOpenStatus` (the watchdog, which then reads each task
 * consistently) nothing. `byOpenStatus` is sparse: a task carries its keys only while it is not final.
 */
/**
 * The fields the imports list's index has copied since it was made: a deployed index's projection cannot
 * be changed in place, so fields added to the task since are read from the table with each page.
 */
const LISTED_TASK_FIELDS = [
  'importId',
  'templateId',
  'fileName',
  'source',
  'email',
  'status',
  'statusReason',
  'warnings',
  'createdBy',
  'createdAt',
  'startedAt',
  'endedAt',
  'fileSize',
  'totalRows',
  'processedRows',
  'successCount',
  'errorCount',
];

export const STATE_TABLE: TableDefinition = {
  id: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    {
      name: 'byCreatedAt',
      partitionKey: 'gsi1pk',
      sortKey: 'gsi1sk',
      projection: { type: 'INCLUDE', attributes: LISTED_TASK_FIELDS },
    },
    { name: 'byOpenStatus', partitionKey: 'openpk', sortKey: 'opensk', projection: { type: 'KEYS_ONLY' } },
  ],
};

export const OPEN_TASKS_INDEX = 'byOpenStatus';

/** Imported records of every template, keyed by `{templateId}#{key}` so writes spread over partitions. */
export const RECORDS_TABLE: TableDefinition = {
  id: 'records',
  partitionKey: 'pk',
  // Records are written once per import and listed whole.
  indexes: [{ name: 'byTemplate', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: { type: 'ALL' } }],
};

/** The records index is sharded so one template's listing key never takes one hot partition. */
export const RECORD_INDEX_SHARDS = 16;

export interface QueueDefinition {
  id: 'intake' | 'chunks' | 'finalize';
  /** Seconds a received message stays hidden; at least 6× the consuming function's timeout on AWS. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /** Messages handed to one invocation. */
  batchSize: number;
  /** Function timeout of the consumer, seconds. */
  functionTimeoutSeconds: number;
}

export const QUEUES: readonly QueueDefinition[] = [
  {
    id: 'intake',
    visibilityTimeoutSeconds: 900 * 6,
    maxReceiveCount: 3,
    batchSize: 1,
    functionTimeoutSeconds: 900,
  },
  {
    id: 'chunks',
    visibilityTimeoutSeconds: 120 * 6,
    maxReceiveCount: 5,
    batchSize: 1,
    functionTimeoutSeconds: 120,
  },
  {
    id: 'finalize',
    visibilityTimeoutSeconds: 900 * 6,
    maxReceiveCount: 3,
    batchSize: 1,
    functionTimeoutSeconds: 900,
  },
];

export const queueDefinition = (id: QueueDefinition['id']): QueueDefinition => {
  const found = QUEUES.find((queue) => queue.id === id);
  if (!found) throw new Error(`Unknown queue ${id}`);
  return found;
};

/** S3 notifications: objects created under this prefix start an import. */
export const UPLOAD_NOTIFICATION_PREFIX = 'uploads/';

/**
 * SES invokes email ingest asynchronously: Lambda retries a failed event twice, then hands it to this
 * queue (an on-failure destination on AWS, the local receiver's last step locally), whose alarm pages an
 * operator. The event is kept for SQS's maximum, 14 days, so it can be looked at and invoked again.
 */
export const EMAIL_INGEST_FAILURES = {
  id: 'email-ingest-failures',
  retryAttempts: 2,
  retentionSeconds: 14 * 24 * 3600,
} as const;

/**
 * Timeouts of the functions no queue feeds (a consumer's is its queue definition's `functionTimeoutSeconds`):
 * the CDK stack and the local stack both take them from here. API Gateway gives up on an integration after
 * 29 seconds, so the API function does too.
 */
export const FUNCTION_TIMEOUT_SECONDS = { api: 29, watchdog: 300, emailIngest: 300 } as const;

/** SES receives messages up to 40 MB; email ingest and the local SMTP receiver refuse larger ones. */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
