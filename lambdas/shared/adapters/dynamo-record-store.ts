import { createHash } from 'node:crypto';
import {
  BatchExecuteStatementCommand,
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AccountId } from '../account';
import type {
  BatchInsertOutcome,
  InsertOutcome,
  Page,
  RecordInsert,
  RecordOrigin,
  RecordStore,
  StoredRecord,
  UpsertOutcome,
} from '../ports';
import { RECORD_INDEX_SHARDS } from '../resource-definitions';
import { accountPartition } from './account-keys';
import { isConditionFailure } from './condition-failure';

/** Writers that may take a key between an upsert's read and its write before it gives up (to be retried). */
const MAX_UPSERT_RACES = 5;

/**
 * What an upsert replaced, kept on the record that replaced it (one attribute, not an item per row), so
 * that undoing the upsert can put it back (DESIGN §10). One level: the replaced record's own `prev` is
 * not kept, so undoing two upserts of a record in turn stops at the later one's.
 */
const replacedRecord = (item: Record<string, unknown>) => ({
  data: item.data ?? {},
  importId: item.importId,
  rowNumber: item.rowNumber,
  createdAt: item.createdAt,
  updatedAt: item.updatedAt,
});

/** DynamoDB's limits per BatchExecuteStatement and per BatchGetItem call. */
export const MAX_STATEMENTS_PER_BATCH = 25;
const MAX_KEYS_PER_BATCH_GET = 100;

/** Every attribute of a record item, in the order of the INSERT statement's placeholders. */
const RECORD_ATTRIBUTES = [
  'pk',
  'gsi1pk',
  'gsi1sk',
  'templateId',
  'key',
  'data',
  'importId',
  'rowNumber',
  'createdAt',
  'updatedAt',
] as const;
export type RecordItem = Record<(typeof RECORD_ATTRIBUTES)[number], unknown>;

/** Statement errors that mean "not done this time": the statement is handed back to be retried. */
const RETRYABLE_STATEMENT_ERRORS = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflict',
]);

/** A statement DynamoDB refused for a reason a retry does not fix (validation, access, size). */
export class RecordWriteRejectedError extends Error {
  readonly code = 'RECORD_WRITE_REJECTED';
  constructor(key: string, errorCode: string, message: string) {
    super(`Inserting ${key} was refused (${errorCode}): ${message}`);
    this.name = 'RecordWriteRejectedError';
  }
}

/** A record's item is its account's, under its template: the same key can be a record of two accounts. */
const recordPk = (account: AccountId, templateId: string, key: string) =>
  accountPartition(account, `${templateId}#${key}`);

const shardOf = (key: string): number =>
  createHash('md5').update(key).digest().readUInt16BE(0) % RECORD_INDEX_SHARDS;

const indexPk = (account: AccountId, templateId: string, shard: number) =>
  accountPartition(account, `${templateId}#${String(shard).padStart(2, '0')}`);

const toStored = (item: Record<string, unknown>): StoredRecord => ({
  key: String(item.key),
  data: (item.data ?? {}) as Record<string, unknown>,
  importId: String(item.importId),
  rowNumber: Number(item.rowNumber),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
});

/** The item that stores one record (exported for the bench, which writes the same items other ways). */
export const recordItem = (
  account: AccountId,
  templateId: string,
  key: string,
  data: Record<string, unknown>,
  origin: RecordOrigin,
  now: string,
): RecordItem => ({
  pk: recordPk(account, templateId, key),
  gsi1pk: indexPk(account, templateId, shardOf(key)),
  gsi1sk: key,
  templateId,
  key,
  data,
  importId: origin.importId,
  rowNumber: origin.rowNumber,
  createdAt: now,
  updatedAt: now,
});

/**
 * RecordStore on the records table: one item per record, conditional writes for insert-only.
 *
 * Batches use PartiQL: an `INSERT` fails with `DuplicateItem` when the key is taken, and
 * BatchExecuteStatement answers per statement, so 25 records cost one request and keep the exact
 * semantics of a conditional PutItem each (BatchWriteItem takes no conditions, and transactions fail as
 * a whole). On the table's side the cost is the same: one write per record.
 */
export class DynamoRecordStore implements RecordStore {
  private readonly insertStatement: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly account: AccountId,
  ) {
    const fields = RECORD_ATTRIBUTES.map((name) => `'${name}': ?`).join(', ');
    this.insertStatement = `INSERT INTO "${table}" VALUE {${fields}}`;
  }

  async insert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<InsertOutcome> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: recordItem(this.account, templateId, key, data, origin, new Date().toISOString()),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'inserted';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // The key is taken. If this very row wrote it (a retried chunk), the row still succeeded.
    const existing = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: recordPk(this.account, templateId, key) },
        ProjectionExpression: 'importId, rowNumber',
        ConsistentRead: true,
      }),
    );
    const item = existing.Item;
    return item?.importId === origin.importId && item?.rowNumber === origin.rowNumber
      ? 'already-ours'
      : 'exists';
  }

  async insertBatch(templateId: string, records: readonly RecordInsert[]): Promise<BatchInsertOutcome[]> {
    if (new Set(records.map((record) => record.key)).size !== records.length) {
      // Two statements on one key in one batch would race each other; callers keep keys distinct.
      throw new RangeError('insertBatch needs distinct keys');
    }
    const outcomes: BatchInsertOutcome[] = [];
    for (let start = 0; start < records.length; start += MAX_STATEMENTS_PER_BATCH) {
      outcomes.push(
        ...(await this.insertGroup(templateId, records.slice(start, start + MAX_STATEMENTS_PER_BATCH))),
      );
    }
    return outcomes;
  }

  private async insertGroup(
    templateId: string,
    records: readonly RecordInsert[],
  ): Promise<BatchInsertOutcome[]> {
    const now = new Date().toISOString();
    const out = await this.db.send(
      new BatchExecuteStatementCommand({
        Statements: records.map((record) => {
          const item = recordItem(this.account, templateId, record.key, record.data, record.origin, now);
          return {
            Statement: this.insertStatement,
            Parameters: RECORD_ATTRIBUTES.map((name) => item[name]),
          };
        }),
      }),
    );
    const responses = out.Responses ?? [];
    if (responses.length !== records.length) {
      throw new Error(`BatchExecuteStatement answered ${responses.length} of ${records.length} statements`);
    }
    const outcomes: (BatchInsertOutcome | 'taken')[] = responses.map((response, index) => {
      const error = response.Error;
      if (!error) return 'inserted';
      if (error.Code === 'DuplicateItem') return 'taken';
      if (error.Code && RETRYABLE_STATEMENT_ERRORS.has(error.Code)) return 'unprocessed';
      throw new RecordWriteRejectedError(
        records[index]?.key ?? '?',
        error.Code ?? 'unknown',
        error.Message ?? 'no message',
      );
    });
    const taken = records.filter((_, index) => outcomes[index] === 'taken');
    const owners = await this.owners(
      templateId,
      taken.map((record) => record.key),
    );
    return outcomes.map((outcome, index) => {
      if (outcome !== 'taken') return outcome;
      const record = records[index];
      if (!record) return 'exists';
      const owner = owners.get(record.key);
      // Unread (the read was throttled): retrying the insert meets the taken key again and reads again.
      if (owner === undefined) return 'unprocessed';
      return owner?.importId === record.origin.importId && owner.rowNumber === record.origin.rowNumber
        ? 'already-ours'
        : 'exists';
    });
  }

  /**
   * Who wrote each taken key: the stored importId and rowNumber (null when the item is gone again), read
   * consistently, as `insert` does for a single record. Keys the store left unprocessed are absent.
   */
  async owners(templateId: string, keys: readonly string[]): Promise<Map<string, RecordOrigin | null>> {
    const owners = new Map<string, RecordOrigin | null>();
    for (let start = 0; start < keys.length; start += MAX_KEYS_PER_BATCH_GET) {
      const group = keys.slice(start, start + MAX_KEYS_PER_BATCH_GET);
      const out = await this.db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: group.map((key) => ({ pk: recordPk(this.account, templateId, key) })),
              ConsistentRead: true,
              ProjectionExpression: '#key, importId, rowNumber',
              ExpressionAttributeNames: { '#key': 'key' },
            },
          },
        }),
      );
      const unprocessed = new Set(
        (out.UnprocessedKeys?.[this.table]?.Keys ?? []).map((key) => String(key.pk)),
      );
      for (const key of group) {
        if (!unprocessed.has(recordPk(this.account, templateId, key))) owners.set(key, null);
      }
      for (const item of out.Responses?.[this.table] ?? []) {
        owners.set(String(item.key), { importId: String(item.importId), rowNumber: Number(item.rowNumber) });
      }
    }
    return owners;
  }

  async upsert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<UpsertOutcome> {
    const pk = recordPk(this.account, templateId, key);
    for (let attempt = 1; ; attempt += 1) {
      const existing = (
        await this.db.send(new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }))
      ).Item;
      // This row's own earlier write (a chunk retried after a crash): written already, answered as then.
      if (
        existing &&
        existing.importId === origin.importId &&
        Number(existing.rowNumber) === origin.rowNumber
      )
        return existing.prev === undefined ? 'created' : 'updated';
      const now = new Date().toISOString();
      const item = {
        ...recordItem(this.account, templateId, key, data, origin, now),
        ...(existing ? { createdAt: String(existing.createdAt ?? now), prev: replacedRecord(existing) } : {}),
      };
      try {
        // Written only over what was read: a writer in between makes this read and try again.
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: item,
            ...(existing
              ? {
                  ConditionExpression:
                    'importId = :importId AND rowNumber = :rowNumber AND updatedAt = :updatedAt',
                  ExpressionAttributeValues: {
                    ':importId': existing.importId,
                    ':rowNumber': existing.rowNumber,
                    ':updatedAt': existing.updatedAt,
                  },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return existing ? 'updated' : 'created';
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_UPSERT_RACES) throw error;
      }
    }
  }

  async list(
    templateId: string,
    limit: number,
    after?: Record<string, unknown>,
  ): Promise<Page<StoredRecord>> {
    let shard = typeof after?.shard === 'number' ? after.shard : 0;
    let startKey = (after?.key as Record<string, unknown> | undefined) ?? undefined;
    const items: StoredRecord[] = [];
    while (shard < RECORD_INDEX_SHARDS && items.length < limit) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byTemplate',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': indexPk(this.account, templateId, shard) },
          Limit: limit - items.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(out.Items ?? []).map(toStored));
      if (out.LastEvaluatedKey) {
        startKey = out.LastEvaluatedKey;
      } else {
        shard += 1;
        startKey = undefined;
      }
    }
    if (shard >= RECORD_INDEX_SHARDS) return { items };
    return { items, next: { shard, ...(startKey ? { key: startKey } : {}) } };
  }
}
