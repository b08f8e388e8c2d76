import { z } from 'zod';

/**
 * Accounts (DESIGN §11): one deployment serves many organisations, and every stored thing of one lives
 * under keys that name its account. An account id reaches a key only as an `AccountId`, which only
 * `parseAccountId` makes, so nothing a caller wrote is ever echoed into a key unchecked.
 */

/** Lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 64 characters. */
const SAFE_ACCOUNT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export type AccountId = string & { readonly __account: unique symbol };

/** The Cognito user attribute naming a user's account (`custom:account`), set by an operator only. */
export const ACCOUNT_ATTRIBUTE_NAME = 'account';
export const ACCOUNT_ATTRIBUTE = `custom:${ACCOUNT_ATTRIBUTE_NAME}`;

/** The account of data stored before accounts existed, and of local sign-ins that name none. */
export const DEFAULT_ACCOUNT = 'default' as AccountId;

export const ACCOUNT_ID_RULE =
  'an account id is 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit';

export const isAccountId = (value: unknown): value is AccountId =>
  typeof value === 'string' && SAFE_ACCOUNT_ID.test(value);

/** The account id, or undefined when the value is not a safe one. */
export const parseAccountId = (value: unknown): AccountId | undefined =>
  isAccountId(value) ? value : undefined;

export const accountIdSchema = z
  .string()
  .refine(isAccountId, { message: ACCOUNT_ID_RULE })
  .transform((value) => value as AccountId);

/**
 * The account as a key segment. Only safe ids get here, and they need no escaping; the encoding is kept
 * anyway so that no change to the rule above can let a separator into a key.
 */
export const accountSegment = (account: AccountId): string => {
  if (!isAccountId(account)) throw new Error(`Not an account id: ${JSON.stringify(account)}`);
  return encodeURIComponent(account);
};

/** The account a message names; messages sent before accounts existed name none and are the default's. */
export const accountOf = (message: { account?: string | undefined }): AccountId => {
  if (message.account === undefined) return DEFAULT_ACCOUNT;
  const account = parseAccountId(message.account);
  if (!account) throw new Error(`The message names an unsafe account id: ${JSON.stringify(message.account)}`);
  return account;
};
