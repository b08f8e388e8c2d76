import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountId } from '../account';
import type { ImportSlots } from '../ports';
import { accountPartition } from './account-keys';
import { isConditionFailure } from './condition-failure';

const ids = (value: unknown): string[] =>
  value instanceof Set ? [...value].map(String) : Array.isArray(value) ? value.map(String) : [];

/** ImportSlots on the state table: `running` and `waiting` string sets on the account's LIMITS item. */
export class DynamoImportSlots implements ImportSlots {
  private readonly key: { pk: string; sk: string };

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    account: AccountId,
  ) {
    this.key = { pk: accountPartition(account, 'LIMITS'), sk: 'IMPORTS' };
  }

  async read(): Promise<{ running: string[]; waiting: string[]; limit?: number }> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }),
    );
    const limit = out.Item?.importsInFlight;
    return {
      running: ids(out.Item?.running),
      waiting: ids(out.Item?.waiting),
      ...(typeof limit === 'number' ? { limit } : {}),
    };
  }

  async take(importId: string, limit: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key,
          UpdateExpression: 'ADD running :id DELETE waiting :id',
          // A set is never empty in DynamoDB: no `running` attribute means no slot is held.
          ConditionExpression:
            'attribute_not_exists(running) OR size(running) < :limit OR contains(running, :one)',
          ExpressionAttributeValues: { ':id': new Set([importId]), ':one': importId, ':limit': limit },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async wait(importId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: 'ADD waiting :id',
        ExpressionAttributeValues: { ':id': new Set([importId]) },
      }),
    );
  }

  async release(importIds: readonly string[]): Promise<string[]> {
    if (importIds.length === 0) return (await this.read()).waiting;
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        UpdateExpression: 'DELETE running :ids',
        ExpressionAttributeValues: { ':ids': new Set(importIds) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return ids(out.Attributes?.waiting);
  }

  async setLimit(limit: number | undefined): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key,
        ...(limit === undefined
          ? { UpdateExpression: 'REMOVE importsInFlight' }
          : {
              UpdateExpression: 'SET importsInFlight = :limit',
              ExpressionAttributeValues: { ':limit': limit },
            }),
      }),
    );
  }
}
