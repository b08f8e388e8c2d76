import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type EmailSettings, emailSettingsSchema } from '../email-settings';
import type { SettingsStore } from '../ports';

const SETTINGS_KEY = { pk: 'SETTINGS', sk: 'EMAIL' } as const;

/** SettingsStore on the state table: one item per kind of setting. */
export class DynamoSettingsStore implements SettingsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getEmailSettings(): Promise<EmailSettings | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: SETTINGS_KEY, ConsistentRead: true }),
    );
    return out.Item ? emailSettingsSchema.parse(out.Item.settings) : undefined;
  }

  async putEmailSettings(settings: EmailSettings): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...SETTINGS_KEY, settings, updatedAt: new Date().toISOString() },
      }),
    );
  }
}
