import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { TableDefinition } from '../../lambdas/shared/resource-definitions';
import type { Log } from '../log';
import { createTableInput } from '../resources';

/**
 * Rebuilds a local table that lacks indexes its definition now has: the DynamoDB emulator cannot add an index
 * to an existing table (CloudFormation does it in place on AWS). The items are saved to a file beside the
 * data, the table is made again from its definition, and the items are written back through `prepare` (which
 * adds the attributes a new index reads). The file is written whole before the table is touched and removed
 * only after every item is back, so a stack killed half-way finishes the rebuild from it at its next start.
 */

export type RawItem = Record<string, AttributeValue>;

const BATCH = 25;

/** Binary attributes (B, BS) are the one part of an item JSON cannot hold as is. */
const toJson = (item: RawItem): string =>
  JSON.stringify(item, (_key, value: unknown) =>
    value instanceof Uint8Array ? { $base64: Buffer.from(value).toString('base64') } : value,
  );

const fromJson = (line: string): RawItem =>
  JSON.parse(line, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && '$base64' in value
      ? new Uint8Array(Buffer.from(String((value as { $base64: unknown }).$base64), 'base64'))
      : value,
  ) as RawItem;

const saveItems = async (dynamo: DynamoDBClient, tableName: string, path: string): Promise<number> => {
  const file = await open(`${path}.tmp`, 'w');
  let count = 0;
  try {
    let start: RawItem | undefined;
    do {
      const page = await dynamo.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      const lines = (page.Items ?? []).map((item) => `${toJson(item)}\n`).join('');
      if (lines) await file.write(lines);
      count += page.Items?.length ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(`${path}.tmp`, path);
  return count;
};

const writeItems = async (dynamo: DynamoDBClient, tableName: string, items: readonly RawItem[]) => {
  for (let index = 0; index < items.length; index += BATCH) {
    let requests = items.slice(index, index + BATCH).map((item) => ({ PutRequest: { Item: item } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt === 10) throw new Error(`Table ${tableName}: the emulator kept refusing restored items`);
      const out = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      requests = (out.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
      );
    }
  }
};

const isNotFound = (error: unknown): boolean =>
  error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException';

/** Deletes the table if it exists and waits until it is gone (the emulator deletes after a short delay). */
const deleteTable = async (dynamo: DynamoDBClient, tableName: string): Promise<void> => {
  try {
    await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Table ${tableName} was not deleted within 10 s`);
};

export interface RebuildOptions {
  dynamo: DynamoDBClient;
  definition: TableDefinition;
  tableName: string;
  /** Where the items wait while the table is made again (inside the data dir). */
  backupPath: string;
  /** What an item needs for the definition's new indexes (returns it unchanged when nothing). */
  prepare: (item: RawItem) => RawItem;
  waitUntilActive: (tableName: string) => Promise<void>;
  log: Log;
}

/** True when a rebuild was left half-way by a stack that stopped: call `rebuildTable` to finish it. */
export const rebuildPending = async (backupPath: string): Promise<boolean> => {
  try {
    await stat(backupPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
};

/** Saves the items (unless a saved copy from a stopped rebuild exists), makes the table again, restores them. */
export const rebuildTable = async (options: RebuildOptions): Promise<number> => {
  const { dynamo, tableName, backupPath, log } = options;
  if (!(await rebuildPending(backupPath))) {
    const saved = await saveItems(dynamo, tableName, backupPath);
    log.info('saved table items before rebuilding it with its new indexes', {
      table: tableName,
      items: saved,
    });
  }
  const items = (await readFile(backupPath, 'utf8'))
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => options.prepare(fromJson(line)));
  await deleteTable(dynamo, tableName);
  await dynamo.send(new CreateTableCommand(createTableInput(options.definition, tableName)));
  await options.waitUntilActive(tableName);
  await writeItems(dynamo, tableName, items);
  await rm(backupPath);
  log.info('rebuilt table with its new indexes', { table: tableName, items: items.length });
  return items.length;
};
