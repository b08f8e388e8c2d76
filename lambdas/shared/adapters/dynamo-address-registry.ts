import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type AccountId, parseAccountId } from '../account';
import { normalAddress } from '../email-settings';
import type { AddressRegistry } from '../ports';
import { isConditionFailure } from './condition-failure';

/**
 * How long another account's claim on an address is left alone even when its settings do not list it:
 * the time its own settings save may take between claiming the address and storing the settings.
 */
export const CLAIM_GRACE_MS = 5 * 60 * 1000;

const addressKey = (address: string) => ({ pk: `ADDRESS#${normalAddress(address)}`, sk: 'OWNER' });

/** AddressRegistry on the state table: one item per import address, naming the account that holds it. */
export class DynamoAddressRegistry implements AddressRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Whether an account's saved settings list the address (a claim they do not list is stale). */
    private readonly isListedBy: (account: AccountId, address: string) => Promise<boolean>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async owners(addresses: readonly string[]): Promise<Map<string, AccountId>> {
    const unique = [...new Set(addresses.map(normalAddress))];
    const found = await Promise.all(
      unique.map(async (address) => {
        const out = await this.db.send(
          new GetCommand({ TableName: this.table, Key: addressKey(address), ConsistentRead: true }),
        );
        return [address, parseAccountId(out.Item?.account)] as const;
      }),
    );
    return new Map(found.filter((entry): entry is readonly [string, AccountId] => entry[1] !== undefined));
  }

  /** Sets the holder when `condition` holds; false when it did not. */
  private async take(
    address: string,
    account: AccountId,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: addressKey(address),
          UpdateExpression: 'SET account = :account, claimedAt = :now',
          ConditionExpression: condition,
          ExpressionAttributeValues: { ':account': account, ':now': this.now().toISOString(), ...values },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async claim(address: string, account: AccountId): Promise<boolean> {
    const current = await this.db.send(
      new GetCommand({ TableName: this.table, Key: addressKey(address), ConsistentRead: true }),
    );
    if (current.Item?.account === account) return true;
    // Never held, or given back (the item stays, without a holder: nothing in this product deletes items).
    if (current.Item?.account === undefined)
      return this.take(address, account, 'attribute_not_exists(account)', {});
    const holder = parseAccountId(current.Item.account);
    const claimedAt = Date.parse(String(current.Item.claimedAt));
    const old = !(claimedAt > this.now().getTime() - CLAIM_GRACE_MS);
    // A claim whose account no longer lists the address (a settings save that died half way) is taken
    // over, conditionally on that same holder: two accounts racing for it cannot both win.
    if (holder && old && !(await this.isListedBy(holder, address))) {
      return this.take(address, account, 'account = :holder', { ':holder': holder });
    }
    return false;
  }

  async release(address: string, account: AccountId): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: addressKey(address),
          UpdateExpression: 'REMOVE account, claimedAt',
          ConditionExpression: 'account = :account',
          ExpressionAttributeValues: { ':account': account },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
