import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountId } from '../account';
import { type EmailSettings, emailSettingsSchema } from '../email-settings';
import type { SettingsStore } from '../ports';
import { accountPartition } from './account-keys';

/** SettingsStore on the state table: one item per account and kind of setting. */
export class DynamoSettingsStore implements SettingsStore {
  private readonly key: { pk: string; sk: string };

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    account: AccountId,
  ) {
    this.key = { pk: accountPartition(account, 'SETTINGS'), sk: 'EMAIL' };
  }

  async getEmailSettings(): Promise<EmailSettings | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }),
    );
    return out.Item ? emailSettingsSchema.parse(out.Item.settings) : undefined;
  }

  async putEmailSettings(settings: EmailSettings): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key, settings, updatedAt: new Date().toISOString() },
      }),
    );
  }
}
