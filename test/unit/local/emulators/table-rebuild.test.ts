import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { STATE_TABLE } from '../../../../lambdas/shared/resource-definitions';
import type { Log } from '../../../../local/log';
import { ensureTable } from '../../../../local/provision';
import { createTableInput, tableDrift } from '../../../../local/resources';

const quietLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TABLE = 'bulk-imports-state';

/** The state table as an older stack made it: without the `byOpenStatus` index. */
const OLD_STATE_TABLE = {
  ...STATE_TABLE,
  indexes: STATE_TABLE.indexes.filter((index) => index.name !== 'byOpenStatus'),
};

const task = (importId: string, status: string): Record<string, AttributeValue> => ({
  pk: { S: `IMPORT#${importId}` },
  sk: { S: 'TASK' },
  gsi1pk: { S: 'TASKS' },
  gsi1sk: { S: `2026-11-20T10:00:00.000Z#${importId}` },
  importId: { S: importId },
  status: { S: status },
  createdAt: { S: '2026-11-20T10:00:00.000Z' },
  countedChunks: { NS: ['0', '2'] },
});

const errorPage: Record<string, AttributeValue> = {
  pk: { S: 'IMPORT#open-1' },
  sk: { S: 'ERRS#000000#0000' },
  page: { B: new Uint8Array([0x1f, 0x8b, 0, 255, 7]) },
};

const sortedItems = async (dynamo: DynamoDBClient) =>
  ((await dynamo.send(new ScanCommand({ TableName: TABLE }))).Items ?? []).sort((a, b) =>
    `${a.pk?.S}${a.sk?.S}`.localeCompare(`${b.pk?.S}${b.sk?.S}`),
  );

describe('ensureTable on a table made before an index existed', () => {
  let server: Server;
  let dynamo: DynamoDBClient;
  let dataDir: string;

  beforeEach(async () => {
    server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    dynamo = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'table-rebuild-'));
    await dynamo.send(new CreateTableCommand(createTableInput(OLD_STATE_TABLE, TABLE)));
    for (const item of [task('open-1', 'PROCESSING'), task('done-1', 'COMPLETED'), errorPage]) {
      await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    }
  });

  afterEach(async () => {
    dynamo.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rebuilds it with the index, keeping every item and keying the non-final tasks into it', async () => {
    // Prepare
    const before = await sortedItems(dynamo);

    // Act
    await ensureTable(dynamo, STATE_TABLE, TABLE, dataDir, quietLog);

    // Assess
    const described = await dynamo.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'byCreatedAt',
      'byOpenStatus',
    ]);
    const after = await sortedItems(dynamo);
    expect(after).toEqual(
      before.map((item) =>
        item.importId?.S === 'open-1' && item.sk?.S === 'TASK'
          ? {
              ...item,
              openpk: { S: 'OPEN' },
              opensk: { S: '2026-11-20T10:00:00.000Z#open-1' },
            }
          : item,
      ),
    );
    const open = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byOpenStatus',
        KeyConditionExpression: 'openpk = :p',
        ExpressionAttributeValues: { ':p': { S: 'OPEN' } },
      }),
    );
    expect(open.Items?.map((item) => item.pk?.S)).toEqual(['IMPORT#open-1']);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('rebuilds a table whose indexes project what an older definition said, with the new projections', async () => {
    // Prepare: the table as made when every index projected ALL.
    await dynamo.send(new DeleteTableCommand({ TableName: TABLE }));
    const allProjected = {
      ...STATE_TABLE,
      indexes: STATE_TABLE.indexes.map((index) => ({ ...index, projection: { type: 'ALL' as const } })),
    };
    await dynamo.send(new CreateTableCommand(createTableInput(allProjected, TABLE)));
    for (const item of [task('open-1', 'PROCESSING'), task('done-1', 'COMPLETED'), errorPage]) {
      await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    }
    const before = await sortedItems(dynamo);

    // Act
    await ensureTable(dynamo, STATE_TABLE, TABLE, dataDir, quietLog);

    // Assess
    const described = await dynamo.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(tableDrift(STATE_TABLE, described.Table ?? {})).toEqual([]);
    expect(
      Object.fromEntries(
        (described.Table?.GlobalSecondaryIndexes ?? []).map((index) => [
          index.IndexName,
          index.Projection?.ProjectionType,
        ]),
      ),
    ).toEqual({ byCreatedAt: 'INCLUDE', byOpenStatus: 'KEYS_ONLY' });
    // Every item kept (the open task keyed into the open-tasks index, as any rebuild does).
    expect((await sortedItems(dynamo)).map(({ openpk: _pk, opensk: _sk, ...item }) => item)).toEqual(before);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('finishes a rebuild a stopped stack left half-way, from the saved items', async () => {
    // Prepare: the items were saved and the table deleted when the stack stopped.
    const saved = (await sortedItems(dynamo)).map((item) =>
      JSON.stringify(item, (_key, value: unknown) =>
        value instanceof Uint8Array ? { $base64: Buffer.from(value).toString('base64') } : value,
      ),
    );
    await writeFile(join(dataDir, `${TABLE}.rebuild.jsonl`), `${saved.join('\n')}\n`);
    await dynamo.send(new DeleteTableCommand({ TableName: TABLE }));

    // Act
    await ensureTable(dynamo, STATE_TABLE, TABLE, dataDir, quietLog);

    // Assess
    const after = await sortedItems(dynamo);
    expect(after).toHaveLength(3);
    expect(after.find((item) => item.sk?.S === 'ERRS#000000#0000')?.page?.B).toEqual(
      new Uint8Array([0x1f, 0x8b, 0, 255, 7]),
    );
    expect(after.filter((item) => item.openpk).map((item) => item.importId?.S)).toEqual(['open-1']);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('leaves a table that matches its definition alone', async () => {
    // Prepare
    await ensureTable(dynamo, STATE_TABLE, TABLE, dataDir, quietLog);
    const before = await sortedItems(dynamo);

    // Act
    await ensureTable(dynamo, STATE_TABLE, TABLE, dataDir, quietLog);

    // Assess
    expect(await sortedItems(dynamo)).toEqual(before);
  });
});
