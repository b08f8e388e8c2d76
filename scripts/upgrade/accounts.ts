import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_ACCOUNT } from '../../lambdas/shared/account';
import { accountPartition } from '../../lambdas/shared/adapters/account-keys';
import { isConditionFailure } from '../../lambdas/shared/adapters/condition-failure';
import { DynamoAddressRegistry } from '../../lambdas/shared/adapters/dynamo-address-registry';
import { emailSettingsSchema } from '../../lambdas/shared/email-settings';
import {
  accountObjectKey,
  INBOUND_PREFIX,
  REPORTS_PREFIX,
  UPLOADS_PREFIX,
  WORK_PREFIX,
} from '../../lambdas/shared/object-keys';

/**
 * The one-off upgrade of data stored before accounts existed (DESIGN §11): everything becomes the
 * `default` account's, under the keys that name it. Task, chunk, error-page, message and settings items
 * and records move to `ACCOUNT#default#…` partitions (their index keys with them), the saved import
 * addresses are registered as the default account's, and objects move from `uploads/{importId}/…`,
 * `reports/{importId}/…`, `work/{importId}/…` and `inbound/{messageId}` to the same keys under
 * `…/default/`. The keys stages build (a task's `objectKey`, a chunk message's `dataKey`) are the
 * account's own view and stay as they are; messages in the queues that name no account are the
 * default's.
 *
 * Safe to run again, and to stop at any point: each item is written under its new key only if nothing
 * is there yet (so a newer write is never overwritten), then its old item removed; each object is copied,
 * then removed. A marker item records a finished upgrade, so later starts skip the scans.
 */

export const UPGRADE_MARKER = { pk: 'UPGRADE#accounts', sk: 'DONE' } as const;

export interface UpgradeTarget {
  db: DynamoDBDocumentClient;
  s3: S3Client;
  stateTable: string;
  recordsTable: string;
  bucket: string;
  /** Objects of `inbound/` newer than this are mail being received now, not stored before accounts. */
  startedAt?: Date;
  log?: (message: string, fields: Record<string, string | number | boolean>) => void;
}

export interface UpgradeSummary {
  /** False when the marker said it was done already (nothing was scanned). */
  ran: boolean;
  stateItems: number;
  records: number;
  objects: number;
  addresses: number;
  /** Import addresses another account had taken meanwhile: left to it, and named here. */
  addressesTaken: string[];
}

/** Keys that are already an account's (or shared by all of them): never moved. */
const isCurrent = (pk: string): boolean =>
  pk.startsWith('ACCOUNT#') || pk.startsWith('ADDRESS#') || pk.startsWith('UPGRADE#');

/** Every item of a table, page by page. */
async function* scan(db: DynamoDBDocumentClient, table: string): AsyncGenerator<Record<string, unknown>> {
  let after: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ...(after ? { ExclusiveStartKey: after } : {}),
      }),
    );
    yield* out.Items ?? [];
    after = out.LastEvaluatedKey;
  } while (after);
}

/** Moves one item under the default account's partition (and index partition); returns whether it moved. */
const moveItem = async (
  db: DynamoDBDocumentClient,
  table: string,
  item: Record<string, unknown>,
  keyNames: readonly string[],
): Promise<void> => {
  const pk = String(item.pk);
  const moved: Record<string, unknown> = { ...item, pk: accountPartition(DEFAULT_ACCOUNT, pk) };
  if (typeof item.gsi1pk === 'string') moved.gsi1pk = accountPartition(DEFAULT_ACCOUNT, item.gsi1pk);
  try {
    await db.send(
      new PutCommand({ TableName: table, Item: moved, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  } catch (error) {
    // Moved by an earlier run that stopped before removing the old item: what is there is newer.
    if (!isConditionFailure(error)) throw error;
  }
  const key = Object.fromEntries(keyNames.map((name) => [name, item[name]]));
  await db.send(new DeleteCommand({ TableName: table, Key: key }));
};

/**
 * Whether an object key is of the layout before accounts: `uploads/{importId}/{file}`,
 * `reports/{importId}/{file}`, `work/{importId}/{file}` or `work/{importId}/parts/{file}`, and
 * `inbound/{messageId}`. An account's keys have one segment more (`uploads/{account}/{importId}/{file}`).
 */
export const isLegacyObjectKey = (key: string): boolean => {
  const prefix = [UPLOADS_PREFIX, REPORTS_PREFIX, WORK_PREFIX, INBOUND_PREFIX].find((candidate) =>
    key.startsWith(candidate),
  );
  if (!prefix) return false;
  const segments = key.slice(prefix.length).split('/');
  if (prefix === INBOUND_PREFIX) return segments.length === 1;
  if (prefix === WORK_PREFIX)
    return segments.length === 2 || (segments.length === 3 && segments[1] === 'parts');
  return segments.length === 2;
};

/** Registers the default account's saved import addresses; returns those another account holds. */
const registerAddresses = async (
  db: DynamoDBDocumentClient,
  table: string,
  settingsItem: Record<string, unknown>,
): Promise<{ registered: number; taken: string[] }> => {
  const settings = emailSettingsSchema.safeParse(settingsItem.settings);
  if (!settings.success) return { registered: 0, taken: [] };
  // Another account's claim is never taken over here: it was made after accounts existed, on purpose.
  const registry = new DynamoAddressRegistry(db, table, async () => true);
  const taken: string[] = [];
  for (const { address } of settings.data.addresses) {
    if (!(await registry.claim(address, DEFAULT_ACCOUNT))) taken.push(address);
  }
  return { registered: settings.data.addresses.length - taken.length, taken };
};

export const upgradeToAccounts = async (target: UpgradeTarget): Promise<UpgradeSummary> => {
  const { db, s3, stateTable, recordsTable, bucket } = target;
  const log = target.log ?? (() => undefined);
  const summary: UpgradeSummary = {
    ran: false,
    stateItems: 0,
    records: 0,
    objects: 0,
    addresses: 0,
    addressesTaken: [],
  };
  const marker = await db.send(
    new GetCommand({ TableName: stateTable, Key: UPGRADE_MARKER, ConsistentRead: true }),
  );
  if (marker.Item) return summary;
  summary.ran = true;
  const startedAt = target.startedAt ?? new Date();

  for await (const item of scan(db, stateTable)) {
    const pk = String(item.pk);
    if (isCurrent(pk)) continue;
    if (pk === 'SETTINGS') {
      const { registered, taken } = await registerAddresses(db, stateTable, item);
      summary.addresses += registered;
      summary.addressesTaken.push(...taken);
    }
    await moveItem(db, stateTable, item, ['pk', 'sk']);
    summary.stateItems += 1;
  }
  for await (const item of scan(db, recordsTable)) {
    if (isCurrent(String(item.pk))) continue;
    await moveItem(db, recordsTable, item, ['pk']);
    summary.records += 1;
  }
  for (const prefix of [UPLOADS_PREFIX, REPORTS_PREFIX, WORK_PREFIX, INBOUND_PREFIX]) {
    let token: string | undefined;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of out.Contents ?? []) {
        const key = object.Key;
        if (!key || !isLegacyObjectKey(key)) continue;
        if (prefix === INBOUND_PREFIX && object.LastModified && object.LastModified >= startedAt) continue;
        await s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: accountObjectKey(DEFAULT_ACCOUNT, key),
            CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          }),
        );
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        summary.objects += 1;
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
  await db.send(
    new PutCommand({
      TableName: stateTable,
      Item: { ...UPGRADE_MARKER, doneAt: new Date().toISOString(), ...summary },
    }),
  );
  const changed = summary.stateItems + summary.records + summary.objects + summary.addresses;
  // A new data dir or deployment has nothing to move: only the marker is written, and nothing is said.
  if (changed > 0 || summary.addressesTaken.length > 0)
    log('data from before accounts is now the default account’s', {
      stateItems: summary.stateItems,
      records: summary.records,
      objects: summary.objects,
      addresses: summary.addresses,
      addressesTaken: summary.addressesTaken.join(', '),
    });
  return summary;
};
