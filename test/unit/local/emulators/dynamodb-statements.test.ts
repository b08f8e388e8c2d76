import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { RECORDS_TABLE } from '../../../../lambdas/shared/resource-definitions';
import { createDynamoServer } from '../../../../local/emulators/dynamodb-child';
import {
  parseInsertStatement,
  UnsupportedStatementError,
} from '../../../../local/emulators/dynamodb-statements';
import { createTableInput } from '../../../../local/resources';
import { closeServer, listen } from '../../../../local/servers/servers';

const TABLE = 'records';
const STATEMENT = `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'gsi1pk': ?, 'gsi1sk': ?, 'rowNumber': ?}`;

let server: Server;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  server = createDynamoServer();
  const port = await listen(server, 0);
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  await db.send(new CreateTableCommand(createTableInput(RECORDS_TABLE, TABLE)));
});

afterAll(async () => {
  db.destroy();
  await closeServer(server);
});

let nextKey = 0;
/** Parameters of one insert with a key no other test uses. */
const freshRecord = (rowNumber = 2) => {
  nextKey += 1;
  return [`users#k${nextKey}`, 'users#00', `k${nextKey}`, rowNumber];
};
const insertAll = (records: unknown[][]) =>
  db.send(
    new BatchExecuteStatementCommand({
      Statements: records.map((Parameters) => ({ Statement: STATEMENT, Parameters })),
    }),
  );

describe('parseInsertStatement', () => {
  it('reads the table and the attribute names in placeholder order', () => {
    // Act
    const parsed = parseInsertStatement(`insert into "t-1.x" value { 'a' : ?,'b':? };`);

    // Assess
    expect(parsed).toEqual({ tableName: 't-1.x', attributes: ['a', 'b'] });
  });

  it.each([
    ['an UPDATE', `UPDATE "t" SET a = ?`],
    ['a literal value', `INSERT INTO "tab" VALUE {'a': 'x'}`],
    ['an unquoted table', `INSERT INTO tab VALUE {'a': ?}`],
    ['an attribute twice', `INSERT INTO "tab" VALUE {'a': ?, 'a': ?}`],
  ])('refuses %s with a message naming what it supports', (_case, statement) => {
    // Act / Assess
    expect(() => parseInsertStatement(statement)).toThrow(UnsupportedStatementError);
    expect(() => parseInsertStatement(statement)).toThrow('parameterised INSERT statements');
  });
});

describe('BatchExecuteStatement on the local DynamoDB emulator', () => {
  it('inserts every record of a batch, indexes included', async () => {
    // Prepare
    const records = [freshRecord(2), freshRecord(3)];

    // Act
    const out = await insertAll(records);

    // Assess
    expect(out.Responses).toEqual([{ TableName: TABLE }, { TableName: TABLE }]);
    const stored = await db.send(new GetCommand({ TableName: TABLE, Key: { pk: records[1]?.[0] } }));
    expect(stored.Item).toEqual({
      pk: records[1]?.[0],
      gsi1pk: 'users#00',
      gsi1sk: records[1]?.[2],
      rowNumber: 3,
    });
    const indexed = await db.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byTemplate',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk = :k',
        ExpressionAttributeValues: { ':p': 'users#00', ':k': records[0]?.[2] },
      }),
    );
    expect(indexed.Items).toHaveLength(1);
  });

  it('answers DuplicateItem for a taken key and leaves the stored item alone', async () => {
    // Prepare
    const taken = freshRecord(2);
    await insertAll([taken]);
    const fresh = freshRecord(5);

    // Act
    const out = await insertAll([[taken[0], taken[1], taken[2], 99], fresh]);

    // Assess
    expect(out.Responses?.[0]?.Error).toEqual({
      Code: 'DuplicateItem',
      Message: 'Duplicate primary key exists in table',
    });
    expect(out.Responses?.[1]?.Error).toBeUndefined();
    const stored = await db.send(new GetCommand({ TableName: TABLE, Key: { pk: taken[0] } }));
    expect(stored.Item?.rowNumber).toBe(2);
  });

  it('lets exactly one of three racing writers have each key', async () => {
    // Prepare
    const records = Array.from({ length: 25 }, () => freshRecord());

    // Act
    const answers = await Promise.all([insertAll(records), insertAll(records), insertAll(records)]);

    // Assess
    const inserted = answers.flatMap((out) => out.Responses ?? []).filter((response) => !response.Error);
    expect(inserted).toHaveLength(25);
  });

  it('answers ResourceNotFound per statement for a table that does not exist', async () => {
    // Act
    const out = await db.send(
      new BatchExecuteStatementCommand({
        Statements: [{ Statement: `INSERT INTO "missing" VALUE {'pk': ?}`, Parameters: ['x'] }],
      }),
    );

    // Assess
    expect(out.Responses?.[0]?.Error?.Code).toBe('ResourceNotFound');
  });

  it.each([
    [
      'a statement it does not run',
      [{ Statement: `DELETE FROM "${TABLE}" WHERE pk = ?`, Parameters: ['x'] }],
    ],
    ['fewer parameters than placeholders', [{ Statement: STATEMENT, Parameters: ['x'] }]],
    [
      'more than 25 statements',
      Array.from({ length: 26 }, () => ({ Statement: STATEMENT, Parameters: freshRecord() })),
    ],
  ])('rejects %s as a ValidationException', async (_case, Statements) => {
    // Act
    const attempt = db.send(new BatchExecuteStatementCommand({ Statements }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
