import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountId } from '../account';
import { type EmailMessage, emailMessageSchema } from '../email-message';
import type { EmailMessageStore } from '../ports';
import { accountPartition } from './account-keys';
import { isConditionFailure } from './condition-failure';

/** Runs a conditional write; false when its condition did not hold. */
const conditionally = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};

/** EmailMessageStore on the state table: one item per received message. */
export class DynamoEmailMessageStore implements EmailMessageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly account: AccountId,
  ) {}

  /** A message mailed to two accounts' addresses is one item in each. */
  private messageKey(messageId: string): { pk: string; sk: string } {
    return { pk: accountPartition(this.account, `EMAIL#${messageId}`), sk: 'MESSAGE' };
  }

  create(message: EmailMessage): Promise<boolean> {
    return conditionally(() =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...message, ...this.messageKey(message.messageId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async get(messageId: string): Promise<EmailMessage | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: this.messageKey(messageId), ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...message } = out.Item;
    return emailMessageSchema.parse(message);
  }

  claimReply(messageId: string, claimedAt: string, staleBefore: string): Promise<boolean> {
    return conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.messageKey(messageId),
          UpdateExpression: 'SET replyClaimedAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(replySentAt) AND (attribute_not_exists(replyClaimedAt) OR replyClaimedAt < :stale)',
          ExpressionAttributeValues: { ':at': claimedAt, ':stale': staleBefore },
        }),
      ),
    );
  }

  async markReplySent(
    messageId: string,
    claimedAt: string,
    sentAt: string,
    replyMessageId: string,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.messageKey(messageId),
        UpdateExpression: 'SET replySentAt = :sent, replyMessageId = :id',
        ConditionExpression: 'replyClaimedAt = :claimed',
        ExpressionAttributeValues: { ':sent': sentAt, ':id': replyMessageId, ':claimed': claimedAt },
      }),
    );
  }

  async releaseReply(messageId: string, claimedAt: string): Promise<void> {
    // Only our own claim: one taken over meanwhile belongs to another sender.
    await conditionally(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.messageKey(messageId),
          UpdateExpression: 'REMOVE replyClaimedAt',
          ConditionExpression: 'replyClaimedAt = :claimed',
          ExpressionAttributeValues: { ':claimed': claimedAt },
        }),
      ),
    );
  }
}
