import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountId } from '../account';
import { type SavedMapping, savedMappingSchema } from '../mapping/saved';
import type { MappingStore } from '../ports';
import { accountPartition } from './account-keys';
import { isConditionFailure } from './condition-failure';

/**
 * MappingStore on the state table: one item per account, template and header
 * (`ACCOUNT#{a}#MAPPINGS`, `{templateId}#{mappingId}`). Written with UpdateItem (an upsert) and removed by
 * clearing it to a tombstone, so the functions need neither PutItem nor DeleteItem on the table for it.
 */
export class DynamoMappingStore implements MappingStore {
  private readonly pk: string;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    account: AccountId,
  ) {
    this.pk = accountPartition(account, 'MAPPINGS');
  }

  private key(templateId: string, mappingId: string) {
    return { pk: this.pk, sk: `${templateId}#${mappingId}` };
  }

  async list(templateId: string): Promise<SavedMapping[]> {
    const items: SavedMapping[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :template)',
          ExpressionAttributeValues: { ':pk': this.pk, ':template': `${templateId}#` },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) if (item.saved) items.push(savedMappingSchema.parse(item.saved));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async get(templateId: string, mappingId: string): Promise<SavedMapping | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.key(templateId, mappingId), ConsistentRead: true }),
    );
    return out.Item?.saved ? savedMappingSchema.parse(out.Item.saved) : undefined;
  }

  async put(mapping: SavedMapping): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(mapping.templateId, mapping.mappingId),
        UpdateExpression: 'SET saved = :saved, updatedAt = :at',
        ExpressionAttributeValues: { ':saved': mapping, ':at': mapping.updatedAt },
      }),
    );
  }

  async delete(templateId: string, mappingId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(templateId, mappingId),
          UpdateExpression: 'REMOVE saved SET deletedAt = :at',
          ConditionExpression: 'attribute_exists(saved)',
          ExpressionAttributeValues: { ':at': new Date().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
