import { type AccountId, accountSegment } from '../account';

/**
 * Partition keys of account data in the DynamoDB tables: `ACCOUNT#{account}#…`. Every read and write of
 * an account's items goes through its own keys, so no query can reach another account's items, and
 * nothing is filtered out after a read. Account ids hold no `#`, so the rest of a key is never ambiguous.
 */
export const accountPartition = (account: AccountId, rest: string): string =>
  `ACCOUNT#${accountSegment(account)}#${rest}`;
