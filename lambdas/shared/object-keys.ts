import { type AccountId, accountSegment, DEFAULT_ACCOUNT, parseAccountId } from './account';
import { trimCharacters } from './text';

/** S3 key layout of DESIGN §2 in one place: every stage builds and parses keys through these. */

export const UPLOADS_PREFIX = 'uploads/';
export const INBOUND_PREFIX = 'inbound/';
export const REPORTS_PREFIX = 'reports/';
export const WORK_PREFIX = 'work/';

const MAX_STEM = 100;
const MAX_EXTENSION = 10;
/** Only the end of a name can reach the key: its last part, from the last 4 × (stem + extension) characters. */
const MAX_NAME_SOURCE_CHARS = 4 * (MAX_STEM + MAX_EXTENSION + 1);

const clean = (text: string) =>
  trimCharacters(
    text
      .normalize('NFKD')
      // Accents come apart under NFKD; dropping the combining marks keeps `résumé` readable as `resume`.
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_'),
    '._',
  );

/**
 * Makes a file name safe as the last segment of an S3 key: no path, no control characters,
 * no characters that need escaping in URLs. The original name stays on the task for display.
 */
export const safeFileName = (fileName: string): string => {
  const base =
    fileName
      .slice(fileName.length - MAX_NAME_SOURCE_CHARS)
      .split(/[\\/]/)
      .pop() ?? '';
  const dot = base.lastIndexOf('.');
  const extension =
    dot > 0 || (dot === 0 && base.length > 1)
      ? clean(base.slice(dot + 1, dot + 1 + 4 * MAX_EXTENSION)).slice(0, MAX_EXTENSION)
      : '';
  const stemSource = dot >= 0 ? base.slice(0, dot) : base;
  // Cut before cleaning: names are bounded only by the email part-header limit (256 KB).
  const stem = clean(stemSource.slice(-4 * MAX_STEM)).slice(-MAX_STEM) || 'upload';
  return extension ? `${stem}.${extension}` : stem;
};

export const uploadKey = (importId: string, fileName: string): string =>
  `${UPLOADS_PREFIX}${importId}/${safeFileName(fileName)}`;

/** `uploads/{importId}/{file}` → importId, or undefined for any other key. */
export const importIdFromUploadKey = (key: string): string | undefined => {
  const match = /^uploads\/([A-Za-z0-9-]{8,64})\/[^/]+$/.exec(key);
  return match?.[1];
};

export const utf8DataKey = (importId: string): string => `${WORK_PREFIX}${importId}/utf8.csv`;
export const manifestKey = (importId: string): string => `${WORK_PREFIX}${importId}/manifest.json`;
/** Where each chunk's line of the manifest is: 3 float64 per chunk (header end, line start, line end). */
export const manifestIndexKey = (importId: string): string => `${WORK_PREFIX}${importId}/manifest.index`;

/** One attempt's report part of a chunk (parts written before attempts existed have no attempt in the name). */
export const chunkPartKey = (
  importId: string,
  kind: 'exceptions' | 'results',
  chunkIndex: number,
  attempt?: string,
): string =>
  `${WORK_PREFIX}${importId}/parts/${kind}-${String(chunkIndex).padStart(6, '0')}${attempt === undefined ? '' : `-${attempt}`}.csv`;

export const exceptionsKey = (importId: string): string => `${REPORTS_PREFIX}${importId}/exceptions.csv`;
export const resultsKey = (importId: string): string => `${REPORTS_PREFIX}${importId}/results.csv`;

/** SES message ids are letters and digits; the local receiver makes ids of the same alphabet. */
const MESSAGE_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** `inbound/{messageId}`: where the SES receipt rule's S3 action stores the raw message. */
export const inboundKey = (messageId: string): string => {
  if (!MESSAGE_ID.test(messageId)) throw new Error(`Not a message id: ${JSON.stringify(messageId)}`);
  return `${INBOUND_PREFIX}${messageId}`;
};

/** `inbound/{messageId}` → messageId, or undefined for any other key. */
export const messageIdFromInboundKey = (key: string): string | undefined => {
  const messageId = key.startsWith(INBOUND_PREFIX) ? key.slice(INBOUND_PREFIX.length) : undefined;
  return messageId !== undefined && MESSAGE_ID.test(messageId) ? messageId : undefined;
};

const ACCOUNT_PREFIXES = [UPLOADS_PREFIX, INBOUND_PREFIX, REPORTS_PREFIX, WORK_PREFIX] as const;

/**
 * Where an account's object is stored (DESIGN §11): the account is the segment after the top prefix,
 * `uploads/{account}/{importId}/{file}`, `reports/{account}/…`, `work/{account}/…`,
 * `inbound/{account}/{messageId}`. The stages build the keys above (an account's own view of the bucket);
 * only the account's object store turns them into these.
 */
export const accountObjectKey = (account: AccountId, key: string): string => {
  const prefix = ACCOUNT_PREFIXES.find((candidate) => key.startsWith(candidate));
  if (!prefix) throw new Error(`Not a key of an account's objects: ${JSON.stringify(key)}`);
  return `${prefix}${accountSegment(account)}/${key.slice(prefix.length)}`;
};

/**
 * An uploaded object's account and its key as that account sees it, from the key S3 notifies:
 * `uploads/{account}/{importId}/{file}`, or `uploads/{importId}/{file}` stored before accounts existed
 * (the default account's; the upgrade moves those under `default/`). Undefined for any other key.
 */
export const accountOfUploadKey = (key: string): { account: AccountId; key: string } | undefined => {
  if (!key.startsWith(UPLOADS_PREFIX)) return undefined;
  const segments = key.slice(UPLOADS_PREFIX.length).split('/');
  if (segments.length === 2) return { account: DEFAULT_ACCOUNT, key };
  const [segment, ...rest] = segments;
  const account = parseAccountId(segment);
  return account && rest.length === 2 ? { account, key: `${UPLOADS_PREFIX}${rest.join('/')}` } : undefined;
};
