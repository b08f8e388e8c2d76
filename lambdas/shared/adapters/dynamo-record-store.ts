import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { InsertOutcome, Page, RecordOrigin, RecordStore, StoredRecord } from '../ports';
import { RECORD_INDEX_SHARDS } from '../resource-definitions';

const recordPk = (templateId: string, key: string) => `${templateId}#${key}`;

const shardOf = (key: string): number =>
  createHash('md5').update(key).digest().readUInt16BE(0) % RECORD_INDEX_SHARDS;

const indexPk = (templateId: string, shard: number) => `${templateId}#${String(shard).padStart(2, '0')}`;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string }).name === 'ConditionalCheckFailedException';

const toStored = (item: Record<string, unknown>): StoredRecord => ({
  key: String(item.key),
  data: (item.data ?? {}) as Record<string, unknown>,
  importId: String(item.importId),
  rowNumber: Number(item.rowNumber),
  createdAt: String(item.createdAt),
  updatedAt: String(item.updatedAt),
});

/** RecordStore on the records table: one item per record, conditional writes for insert-only. */
export class DynamoRecordStore implements RecordStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private item(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
    now: string,
  ) {
    return {
      pk: recordPk(templateId, key),
      gsi1pk: indexPk(templateId, shardOf(key)),
      gsi1sk: key,
      templateId,
      key,
      data,
      importId: origin.importId,
      rowNumber: origin.rowNumber,
      createdAt: now,
      updatedAt: now,
    };
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
          Item: this.item(templateId, key, data, origin, new Date().toISOString()),
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
        Key: { pk: recordPk(templateId, key) },
        ProjectionExpression: 'importId, rowNumber',
        ConsistentRead: true,
      }),
    );
    const item = existing.Item;
    return item?.importId === origin.importId && item?.rowNumber === origin.rowNumber
      ? 'already-ours'
      : 'exists';
  }

  async upsert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<void> {
    const now = new Date().toISOString();
    const item = this.item(templateId, key, data, origin, now);
    try {
      // Keep the original createdAt when updating.
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { pk: item.pk }, ProjectionExpression: 'createdAt' }),
      );
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...item, createdAt: String(existing.Item?.createdAt ?? now) },
        }),
      );
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
          ExpressionAttributeValues: { ':p': indexPk(templateId, shard) },
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
