import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoRecordStore } from '../../../lambdas/shared/adapters/dynamo-record-store';
import { RECORD_INDEX_SHARDS } from '../../../lambdas/shared/resource-definitions';

const TABLE = 'imports-records';
const ORIGIN = { importId: 'import-1234', rowNumber: 17 };

const db = mockClient(DynamoDBDocumentClient);
const store = () =>
  new DynamoRecordStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE);

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
        pk: 'users#ada@example.com',
        gsi1pk: expect.stringMatching(/^users#\d{2}$/),
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
      Key: { pk: 'users#ada@example.com' },
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

describe('DynamoRecordStore.upsert', () => {
  it('keeps the original createdAt when it replaces a record', async () => {
    // Prepare
    db.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    db.on(GetCommand).resolves({ Item: { createdAt: '2025-01-01T00:00:00.000Z' } });

    // Act
    await store().upsert('departments', 'ENG', { name: 'Engineering' }, ORIGIN);

    // Assess
    expect(db).toHaveReceivedCommandTimes(PutCommand, 2);
    const replacement = db.commandCalls(PutCommand)[1]?.args[0].input;
    expect(replacement?.ConditionExpression).toBeUndefined();
    expect(replacement?.Item).toMatchObject({
      pk: 'departments#ENG',
      createdAt: '2025-01-01T00:00:00.000Z',
      data: { name: 'Engineering' },
    });
  });
});

describe('DynamoRecordStore.list', () => {
  /** Index partitions as the byTemplate index holds them: shard → keys in sort order. */
  const seedShards = (countsPerShard: readonly number[]) => {
    const shards = new Map<string, string[]>();
    countsPerShard.forEach((count, shard) => {
      const name = `users#${String(shard).padStart(2, '0')}`;
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
      ExpressionAttributeValues: { ':p': 'users#00' },
    });
    expect(db).toHaveReceivedNthSpecificCommandWith(RECORD_INDEX_SHARDS, QueryCommand, {
      ExpressionAttributeValues: { ':p': `users#${String(RECORD_INDEX_SHARDS - 1).padStart(2, '0')}` },
    });
  });
});
