import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  type BatchExecuteStatementCommandInput,
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { AccountId } from '../../../../lambdas/shared/account';
import 'aws-sdk-client-mock-jest';
import {
  DynamoRecordStore,
  RecordWriteRejectedError,
} from '../../../../lambdas/shared/adapters/dynamo-record-store';
import { RECORD_INDEX_SHARDS } from '../../../../lambdas/shared/resource-definitions';

const TABLE = 'imports-records';
const ACCOUNT = 'acme' as AccountId;
const ORIGIN = { importId: 'import-1234', rowNumber: 17 };

const db = mockClient(DynamoDBDocumentClient);
const store = () =>
  new DynamoRecordStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    TABLE,
    ACCOUNT,
  );

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  db.reset();
});

describe('DynamoRecordStore.insert', () => {
  it('writes the record only if its key is free', async () => {
    // Prepare
    db.on(PutCommand).resolves({});

    // Act
    const outcome = await store().insert('users', 'ada@example.com', { first_name: 'Ada' }, ORIGIN);

    // Assess
    expect(outcome).toBe('inserted');
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: expect.objectContaining({
        pk: 'ACCOUNT#acme#users#ada@example.com',
        gsi1pk: expect.stringMatching(/^ACCOUNT#acme#users#\d{2}$/),
        gsi1sk: 'ada@example.com',
        data: { first_name: 'Ada' },
        importId: 'import-1234',
        rowNumber: 17,
      }),
    });
  });

  it('recognises its own earlier write of the same row as already-ours', async () => {
    // Prepare: a retried chunk meets the record it wrote the first time.
    db.on(PutCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({ Item: { importId: 'import-1234', rowNumber: 17 } });

    // Act
    const outcome = await store().insert('users', 'ada@example.com', {}, ORIGIN);

    // Assess
    expect(outcome).toBe('already-ours');
    expect(db).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'ACCOUNT#acme#users#ada@example.com' },
      ConsistentRead: true,
    });
  });

  it.each([
    ['another import', { importId: 'import-0001', rowNumber: 17 }],
    ['another row of this import', { importId: 'import-1234', rowNumber: 18 }],
  ])('reports exists when the key belongs to %s', async (_case, owner) => {
    // Prepare
    db.on(PutCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({ Item: owner });

    // Act
    const outcome = await store().insert('users', 'ada@example.com', {}, ORIGIN);

    // Assess
    expect(outcome).toBe('exists');
  });

  it('lets an outage through rather than calling it a duplicate', async () => {
    // Prepare
    db.on(PutCommand).rejects(new Error('InternalServerError'));

    // Act / Assess
    await expect(store().insert('users', 'ada@example.com', {}, ORIGIN)).rejects.toThrow(
      'InternalServerError',
    );
    expect(db).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('DynamoRecordStore.insertBatch', () => {
  const records = (count: number, from = 0) =>
    Array.from({ length: count }, (_, index) => ({
      key: `u${from + index}@example.com`,
      data: { first_name: `U${from + index}` },
      origin: { importId: 'import-1234', rowNumber: 2 + from + index },
    }));
  /** A statement response per statement of the call, by key: no entry means the insert went through. */
  const answerStatements = (errors: Record<string, { Code: string; Message?: string }> = {}) =>
    db.on(BatchExecuteStatementCommand).callsFake((input: BatchExecuteStatementCommandInput) => ({
      Responses: (input.Statements ?? []).map((statement) => {
        const error = errors[String(statement.Parameters?.[4])];
        return error ? { TableName: TABLE, Error: error } : { TableName: TABLE };
      }),
    }));

  it('inserts each record with a parameterised INSERT, 25 statements per request', async () => {
    // Prepare
    answerStatements();

    // Act
    const outcomes = await store().insertBatch('users', records(30));

    // Assess
    expect(outcomes).toEqual(new Array(30).fill('inserted'));
    const calls = db.commandCalls(BatchExecuteStatementCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.Statements?.length)).toEqual([25, 5]);
    const first = calls[0]?.Statements?.[0];
    expect(first?.Statement).toBe(
      `INSERT INTO "${TABLE}" VALUE {'pk': ?, 'gsi1pk': ?, 'gsi1sk': ?, 'templateId': ?, 'key': ?, 'data': ?, ` +
        `'importId': ?, 'rowNumber': ?, 'createdAt': ?, 'updatedAt': ?}`,
    );
    expect(first?.Parameters).toEqual([
      'ACCOUNT#acme#users#u0@example.com',
      expect.stringMatching(/^ACCOUNT#acme#users#\d{2}$/),
      'u0@example.com',
      'users',
      'u0@example.com',
      { first_name: 'U0' },
      'import-1234',
      2,
      expect.any(String),
      expect.any(String),
    ]);
    expect(db).toHaveReceivedCommandTimes(BatchGetCommand, 0);
  });

  it('tells its own earlier writes from other owners for the keys that were taken', async () => {
    // Prepare: u1 was written by this very row before (a retried chunk), u2 by another import.
    answerStatements({
      'u1@example.com': { Code: 'DuplicateItem' },
      'u2@example.com': { Code: 'DuplicateItem' },
    });
    db.on(BatchGetCommand).resolves({
      Responses: {
        [TABLE]: [
          { key: 'u1@example.com', importId: 'import-1234', rowNumber: 3 },
          { key: 'u2@example.com', importId: 'import-0001', rowNumber: 4 },
        ],
      },
    });

    // Act
    const outcomes = await store().insertBatch('users', records(3));

    // Assess
    expect(outcomes).toEqual(['inserted', 'already-ours', 'exists']);
    expect(db).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        [TABLE]: expect.objectContaining({
          Keys: [{ pk: 'ACCOUNT#acme#users#u1@example.com' }, { pk: 'ACCOUNT#acme#users#u2@example.com' }],
          ConsistentRead: true,
        }),
      },
    });
  });

  it('hands throttled statements and unread owners back as unprocessed', async () => {
    // Prepare
    answerStatements({
      'u0@example.com': { Code: 'ThrottlingError' },
      'u1@example.com': { Code: 'DuplicateItem' },
    });
    db.on(BatchGetCommand).resolves({
      Responses: { [TABLE]: [] },
      UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'ACCOUNT#acme#users#u1@example.com' }] } },
    });

    // Act
    const outcomes = await store().insertBatch('users', records(3));

    // Assess
    expect(outcomes).toEqual(['unprocessed', 'unprocessed', 'inserted']);
  });

  it('calls a taken key whose item is gone again "exists", as a single insert does', async () => {
    // Prepare
    answerStatements({ 'u0@example.com': { Code: 'DuplicateItem' } });
    db.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [] } });

    // Act / Assess
    await expect(store().insertBatch('users', records(1))).resolves.toEqual(['exists']);
  });

  it('raises a statement the store refused for good instead of reporting the row', async () => {
    // Prepare
    answerStatements({ 'u1@example.com': { Code: 'ValidationError', Message: 'Item size too large' } });

    // Act
    const attempt = store().insertBatch('users', records(2));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RecordWriteRejectedError);
    await expect(attempt).rejects.toThrow(
      'u1@example.com was refused (ValidationError): Item size too large',
    );
  });

  it('refuses a batch with a key twice rather than racing two statements on it', async () => {
    // Act / Assess
    await expect(store().insertBatch('users', [...records(2), ...records(1)])).rejects.toThrow(
      'distinct keys',
    );
    expect(db).toHaveReceivedCommandTimes(BatchExecuteStatementCommand, 0);
  });
});

describe('DynamoRecordStore.upsert', () => {
  const EARLIER = {
    pk: 'ACCOUNT#acme#departments#ENG',
    key: 'ENG',
    data: { name: 'Eng' },
    importId: 'earlier-import',
    rowNumber: 5,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-02-01T00:00:00.000Z',
  };

  it('replaces a record over what it read, keeping its createdAt and what it replaced', async () => {
    // Prepare
    db.on(GetCommand).resolves({ Item: EARLIER });
    db.on(PutCommand).resolves({});

    // Act
    const outcome = await store().upsert('departments', 'ENG', { name: 'Engineering' }, ORIGIN);

    // Assess
    expect(outcome).toBe('updated');
    expect(db.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
    expect(db).toHaveReceivedCommandTimes(PutCommand, 1);
    const replacement = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(replacement?.ConditionExpression).toBe(
      'importId = :importId AND rowNumber = :rowNumber AND updatedAt = :updatedAt',
    );
    expect(replacement?.ExpressionAttributeValues).toEqual({
      ':importId': 'earlier-import',
      ':rowNumber': 5,
      ':updatedAt': '2025-02-01T00:00:00.000Z',
    });
    expect(replacement?.Item).toMatchObject({
      pk: 'ACCOUNT#acme#departments#ENG',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: { name: 'Engineering' },
      importId: ORIGIN.importId,
      prev: {
        data: { name: 'Eng' },
        importId: 'earlier-import',
        rowNumber: 5,
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-02-01T00:00:00.000Z',
      },
    });
  });

  it('creates a record whose key is new, only if it still is', async () => {
    // Prepare
    db.on(GetCommand).resolves({});
    db.on(PutCommand).resolves({});

    // Act
    const outcome = await store().upsert('departments', 'ENG', { name: 'Engineering' }, ORIGIN);

    // Assess
    expect(outcome).toBe('created');
    const put = db.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).not.toHaveProperty('prev');
  });

  it('reads again when another writer got there between its read and its write', async () => {
    // Prepare
    db.on(GetCommand).resolvesOnce({}).resolves({ Item: EARLIER });
    db.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const outcome = await store().upsert('departments', 'ENG', { name: 'Engineering' }, ORIGIN);

    // Assess
    expect(outcome).toBe('updated');
    expect(db).toHaveReceivedCommandTimes(GetCommand, 2);
    expect(db.commandCalls(PutCommand)[1]?.args[0].input.Item).toMatchObject({
      prev: { importId: 'earlier-import' },
    });
  });

  it.each([
    ['updated', { prev: { data: {} } }],
    ['created', {}],
  ] as const)(
    'answers %s, writing nothing, for its own row written before (a retried chunk)',
    async (answer, prev) => {
      // Prepare
      db.on(GetCommand).resolves({ Item: { ...EARLIER, ...ORIGIN, ...prev } });

      // Act
      const outcome = await store().upsert('departments', 'ENG', { name: 'Engineering' }, ORIGIN);

      // Assess
      expect(outcome).toBe(answer);
      expect(db).toHaveReceivedCommandTimes(PutCommand, 0);
    },
  );
});

describe('DynamoRecordStore.list', () => {
  /** Index partitions as the byTemplate index holds them: shard → keys in sort order. */
  const seedShards = (countsPerShard: readonly number[]) => {
    const shards = new Map<string, string[]>();
    countsPerShard.forEach((count, shard) => {
      const name = `ACCOUNT#acme#users#${String(shard).padStart(2, '0')}`;
      shards.set(
        name,
        Array.from(
          { length: count },
          (_, index) => `s${shard}-u${String(index).padStart(3, '0')}@example.com`,
        ),
      );
    });
    db.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const keys = shards.get(String(input.ExpressionAttributeValues?.[':p'])) ?? [];
      const after = input.ExclusiveStartKey ? String(input.ExclusiveStartKey.gsi1sk) : '';
      const page = keys.filter((key) => key > after).slice(0, input.Limit);
      const last = page.at(-1);
      return {
        Items: page.map((key) => ({
          key,
          data: { email: key },
          importId: 'import-1234',
          rowNumber: 2,
          createdAt: 'c',
          updatedAt: 'u',
        })),
        ...(page.length === input.Limit && last ? { LastEvaluatedKey: { gsi1sk: last } } : {}),
      };
    });
    return [...shards.values()].flat();
  };

  it.each([1, 5, 13, 100])('pages across every shard, %i at a time, each record once', async (limit) => {
    // Prepare: uneven shards, some empty.
    const counts = Array.from({ length: RECORD_INDEX_SHARDS }, (_, shard) =>
      shard % 3 === 1 ? 0 : shard + 2,
    );
    const all = seedShards(counts);

    // Act
    const seen: string[] = [];
    let cursor: Record<string, unknown> | undefined;
    let calls = 0;
    do {
      const page = await store().list('users', limit, cursor);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      seen.push(...page.items.map((record) => record.key));
      cursor = page.next;
      calls += 1;
    } while (cursor && calls < 1000);

    // Assess
    expect(seen).toEqual(all);
    expect(cursor).toBeUndefined();
  });

  it('queries the template index shard by shard', async () => {
    // Prepare
    seedShards(Array.from({ length: RECORD_INDEX_SHARDS }, () => 0));

    // Act
    const page = await store().list('users', 10);

    // Assess
    expect(page).toEqual({ items: [] });
    expect(db).toHaveReceivedCommandTimes(QueryCommand, RECORD_INDEX_SHARDS);
    expect(db).toHaveReceivedNthSpecificCommandWith(1, QueryCommand, {
      IndexName: 'byTemplate',
      ExpressionAttributeValues: { ':p': 'ACCOUNT#acme#users#00' },
    });
    expect(db).toHaveReceivedNthSpecificCommandWith(RECORD_INDEX_SHARDS, QueryCommand, {
      ExpressionAttributeValues: {
        ':p': `ACCOUNT#acme#users#${String(RECORD_INDEX_SHARDS - 1).padStart(2, '0')}`,
      },
    });
  });
});
