import { gunzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { AccountId } from '../../../../lambdas/shared/account';
import 'aws-sdk-client-mock-jest';
import {
  DynamoOpenTaskIndex,
  DynamoTaskStore,
  ERRORS_PER_PAGE,
} from '../../../../lambdas/shared/adapters/dynamo-task-store';
import type { ChunkResult, RowError } from '../../../../lambdas/shared/model';
import { aTask } from '../../../helpers/factories';

const TABLE = 'imports-state';
const IMPORT_ID = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
const ACCOUNT = 'acme' as AccountId;
const PK = `ACCOUNT#acme#IMPORT#${IMPORT_ID}`;

const db = mockClient(DynamoDBDocumentClient);
const client = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const store = () => new DynamoTaskStore(client(), TABLE, ACCOUNT);

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const taskItem = (overrides: Record<string, unknown> = {}) => ({
  ...aTask({ importId: IMPORT_ID }),
  pk: PK,
  sk: 'TASK',
  gsi1pk: 'ACCOUNT#acme#IMPORTS',
  ...overrides,
});

const errorsFor = (chunkIndex: number, count: number): RowError[] =>
  Array.from({ length: count }, (_, index) => ({
    rowNumber: 2 + chunkIndex * 10_000 + index,
    errorType: index % 2 === 0 ? 'REQUIRED' : 'ALREADY_EXISTS',
    message: `problem ${chunkIndex}/${index}`,
    ...(index % 3 === 0 ? { column: 'email' } : {}),
  }));

const chunkResult = (
  chunkIndex: number,
  errorCount: number,
  attempt = `attempt-${chunkIndex}`,
): ChunkResult => ({
  importId: IMPORT_ID,
  chunkIndex,
  firstRowNumber: 2 + chunkIndex * 10_000,
  rowCount: errorCount + 5,
  successCount: 5,
  errorCount,
  errors: errorsFor(chunkIndex, errorCount),
  attempt,
});

type Item = Record<string, unknown>;

/**
 * A small model of one partition of the state table that answers Query and BatchWrite the way DynamoDB
 * does for the key conditions the store uses (BETWEEN, begins_with), including Limit and
 * ExclusiveStartKey paging, so cursors are exercised against real paging behaviour.
 */
class TablePartition {
  readonly items = new Map<string, Item>();

  batchWrite(input: BatchWriteCommandInput) {
    for (const request of input.RequestItems?.[TABLE] ?? []) {
      if (request.PutRequest?.Item)
        this.items.set(String(request.PutRequest.Item.sk), request.PutRequest.Item);
      if (request.DeleteRequest?.Key) this.items.delete(String(request.DeleteRequest.Key.sk));
    }
    return { UnprocessedItems: {} };
  }

  /** A PutItem, with the not-exists condition the store uses. */
  put(input: { Item: Item; ConditionExpression?: string }) {
    const sk = String(input.Item.sk);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && this.items.has(sk))
      throw conditionFailed();
    this.items.set(sk, input.Item);
    return {};
  }

  get(input: { Key?: Item }) {
    return { Item: this.items.get(String(input.Key?.sk)) };
  }

  /** Serves every command the chunk-result code sends from this partition. */
  serve() {
    db.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => this.batchWrite(input));
    db.on(QueryCommand).callsFake((input: QueryCommandInput) => this.query(input));
    db.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string }) => this.put(input));
    db.on(GetCommand).callsFake((input: { Key?: Item }) => this.get(input));
    return this;
  }

  query(input: QueryCommandInput) {
    const values = input.ExpressionAttributeValues ?? {};
    const condition = input.KeyConditionExpression ?? '';
    const matches = (sk: string): boolean => {
      if (condition.includes('BETWEEN')) return sk >= String(values[':from']) && sk <= String(values[':to']);
      if (condition.includes('begins_with')) return sk.startsWith(String(values[':prefix']));
      throw new Error(`unexpected key condition ${condition}`);
    };
    const after = input.ExclusiveStartKey ? String(input.ExclusiveStartKey.sk) : '';
    const sorted = [...this.items.keys()].sort().filter((sk) => matches(sk) && sk > after);
    const limit = input.Limit ?? Number.POSITIVE_INFINITY;
    const page = sorted.slice(0, limit);
    const last = page.at(-1);
    return {
      Items: page.map((sk) => this.items.get(sk)),
      ...(page.length === limit && last !== undefined ? { LastEvaluatedKey: { pk: PK, sk: last } } : {}),
    };
  }
}

beforeEach(() => {
  db.reset();
});

describe('DynamoTaskStore.transition', () => {
  it('sends the status condition and returns the updated task', async () => {
    // Prepare
    db.on(UpdateCommand).resolves({ Attributes: taskItem({ status: 'VALIDATING' }) });

    // Act
    const task = await store().transition(IMPORT_ID, ['PENDING', 'VALIDATING'], 'VALIDATING', {
      startedAt: '2026-11-22T10:01:00.000Z',
    });

    // Assess
    expect(task?.status).toBe('VALIDATING');
    expect(task).not.toHaveProperty('pk');
    expect(db).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: PK, sk: 'TASK' },
      ConditionExpression: '#status IN (:from0, :from1)',
      ExpressionAttributeNames: expect.objectContaining({ '#status': 'status' }),
      ExpressionAttributeValues: expect.objectContaining({
        ':from0': 'PENDING',
        ':from1': 'VALIDATING',
        ':f1': 'VALIDATING',
        ':f0': '2026-11-22T10:01:00.000Z',
      }),
    });
    const input = db.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.UpdateExpression).toMatch(/^SET #f0 = :f0, #f1 = :f1, #f2 = :f2$/);
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#f0': 'startedAt', '#f1': 'status' });
  });

  it('returns undefined when the status condition fails', async () => {
    // Prepare
    db.on(UpdateCommand).rejects(conditionFailed());

    // Act
    const task = await store().transition(IMPORT_ID, ['PROCESSING'], 'COMPLETED');

    // Assess
    expect(task).toBeUndefined();
  });

  it('lets any other error through', async () => {
    // Prepare
    db.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    // Act / Assess
    await expect(store().transition(IMPORT_ID, ['PROCESSING'], 'COMPLETED')).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
  });

  it('refuses an empty list of statuses instead of sending an invalid condition', async () => {
    // Act / Assess
    await expect(store().transition(IMPORT_ID, [], 'COMPLETED')).rejects.toThrow(/at least one status/);
    expect(db).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });
});

describe('DynamoTaskStore open-tasks index', () => {
  it('puts a new non-final task in the sparse open-tasks index, and a final one not', async () => {
    // Prepare
    db.on(PutCommand).resolves({});

    // Act
    await store().create(aTask({ importId: IMPORT_ID }));
    await store().create(aTask({ importId: 'final-from-the-start', status: 'VALIDATION_FAILED' }));

    // Assess
    const [open, final] = db.commandCalls(PutCommand).map((call) => call.args[0].input.Item);
    expect(open).toMatchObject({ openpk: 'OPEN', opensk: `2026-11-22T10:00:00.000Z#${IMPORT_ID}` });
    expect(final).not.toHaveProperty('openpk');
    expect(final).not.toHaveProperty('opensk');
  });

  it('takes a task out of the index when it becomes final, and only then', async () => {
    // Prepare
    db.on(UpdateCommand).resolves({ Attributes: taskItem({ status: 'COMPLETED' }) });

    // Act
    await store().transition(IMPORT_ID, ['PROCESSING'], 'COMPLETED');
    await store().transition(IMPORT_ID, ['PENDING'], 'VALIDATING');

    // Assess
    const [final, open] = db.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression);
    expect(final).toMatch(/ REMOVE openpk, opensk$/);
    expect(open).not.toContain('REMOVE');
  });

  it('lists open tasks from the sparse index, oldest first, with the counted chunks as numbers', async () => {
    // Prepare
    // The index holds keys only; each task is then read consistently.
    db.on(QueryCommand).resolves({
      Items: [{ pk: PK, sk: 'TASK', openpk: 'OPEN', opensk: 'x' }],
      LastEvaluatedKey: { pk: PK, sk: 'TASK', openpk: 'OPEN', opensk: 'x' },
    });
    db.on(GetCommand, { Key: { pk: PK, sk: 'TASK' } }).resolves({
      Item: taskItem({ status: 'PROCESSING', countedChunks: new Set([0, 2]) }),
    });

    // Act
    const page = await new DynamoOpenTaskIndex(client(), TABLE).listOpen(10);

    // Assess
    expect(db).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byOpenStatus',
      KeyConditionExpression: 'openpk = :p',
      ExpressionAttributeValues: { ':p': 'OPEN' },
      Limit: 10,
    });
    expect(page.items[0]?.account).toBe('acme');
    expect(page.items[0]?.task.countedChunks).toEqual([0, 2]);
    expect(page.next).toEqual({ pk: PK, sk: 'TASK', openpk: 'OPEN', opensk: 'x' });
    expect(db).toHaveReceivedCommandWith(GetCommand, { Key: { pk: PK, sk: 'TASK' }, ConsistentRead: true });
  });
});

describe('DynamoTaskStore.putChunkResultIfAbsent', () => {
  it('stores the result under a not-exists condition when the chunk has none', async () => {
    // Prepare
    db.on(GetCommand).resolves({});
    db.on(QueryCommand).resolves({ Items: [] });
    db.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    db.on(PutCommand).resolves({});

    // Act
    const stored = await store().putChunkResultIfAbsent(chunkResult(3, 2));

    // Assess
    expect(stored).toBe(true);
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sk: 'CHUNK#000003', errorPages: 1, rowCount: 7 }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('leaves a result that is already there alone', async () => {
    // Prepare
    db.on(GetCommand).resolves({ Item: { pk: PK, sk: 'CHUNK#000003' } });

    // Act
    const stored = await store().putChunkResultIfAbsent(chunkResult(3, 2));

    // Assess
    expect(stored).toBe(false);
    expect(db).not.toHaveReceivedCommand(PutCommand);
    expect(db).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('answers false when a worker stores its result between the check and the write', async () => {
    // Prepare
    db.on(GetCommand).resolves({});
    db.on(QueryCommand).resolves({ Items: [] });
    db.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    db.on(PutCommand).rejects(conditionFailed());

    // Act
    const stored = await store().putChunkResultIfAbsent(chunkResult(3, 0));

    // Assess
    expect(stored).toBe(false);
  });
});

describe('DynamoTaskStore.countChunk', () => {
  it('adds the counts under the not-yet-counted condition', async () => {
    // Prepare
    db.on(UpdateCommand).resolves({
      Attributes: taskItem({ chunksDone: 4, countedChunks: new Set([0, 3]) }),
    });

    // Act
    const outcome = await store().countChunk(IMPORT_ID, 3, { rows: 10, success: 8, errors: 2 });

    // Assess
    expect(outcome.counted).toBe(true);
    expect(outcome.task.chunksDone).toBe(4);
    expect(db).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(countedChunks, :index)',
      ExpressionAttributeValues: expect.objectContaining({
        ':index': 3,
        ':chunk': new Set([3]),
        ':rows': 10,
        ':ok': 8,
        ':bad': 2,
        ':one': 1,
      }),
    });
    expect(db.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toContain(
      'ADD processedRows :rows, successCount :ok, errorCount :bad, systemErrorCount :sys, chunksDone :one, countedChunks :chunk',
    );
  });

  it('reports counted: false with the current task when the chunk was counted before', async () => {
    // Prepare
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({ Item: taskItem({ chunksDone: 7, processedRows: 70 }) });

    // Act
    const outcome = await store().countChunk(IMPORT_ID, 3, { rows: 10, success: 10, errors: 0 });

    // Assess
    expect(outcome).toMatchObject({ counted: false, task: { chunksDone: 7, processedRows: 70 } });
    expect(db).toHaveReceivedCommandWith(GetCommand, { Key: { pk: PK, sk: 'TASK' }, ConsistentRead: true });
  });

  it('throws when the task does not exist', async () => {
    // Prepare
    db.on(UpdateCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({});

    // Act / Assess
    await expect(store().countChunk(IMPORT_ID, 0, { rows: 1, success: 1, errors: 0 })).rejects.toThrow(
      /does not exist/,
    );
  });
});

describe('DynamoTaskStore chunk results', () => {
  it('packs failed rows into gzipped pages of 1,000 under the attempt, not one item per row', async () => {
    // Prepare
    const partition = new TablePartition().serve();
    const result = chunkResult(4, 2500);

    // Act
    const stored = await store().putChunkResultIfAbsent(result);

    // Assess
    expect(stored).toBe(true);
    expect([...partition.items.keys()].filter((sk) => sk.startsWith('ERRS#'))).toEqual([
      'ERRS#000004#attempt-4#0000',
      'ERRS#000004#attempt-4#0001',
      'ERRS#000004#attempt-4#0002',
    ]);
    const firstPage = partition.items.get('ERRS#000004#attempt-4#0000')?.errors;
    if (!(firstPage instanceof Uint8Array)) throw new Error('error page is not binary');
    expect(JSON.parse(gunzipSync(firstPage).toString('utf8'))).toHaveLength(ERRORS_PER_PAGE);
    expect(db).toHaveReceivedCommandTimes(BatchWriteCommand, 1);
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: PK,
        sk: 'CHUNK#000004',
        errorPages: 3,
        errorCount: 2500,
        attempt: 'attempt-4',
      }),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(db.commandCalls(PutCommand)[0]?.args[0].input.Item).not.toHaveProperty('errors');
  });

  it('reads a chunk result back with every error in order', async () => {
    // Prepare
    const partition = new TablePartition().serve();
    db.on(QueryCommand).callsFake((input: QueryCommandInput) =>
      partition.query({ ...input, Limit: input.Limit ?? 2 }),
    );
    const result = chunkResult(1, 4321);
    await store().putChunkResultIfAbsent(result);

    // Act
    const read = await store().getChunkResult(IMPORT_ID, 1);

    // Assess
    expect(read).toEqual(result);
  });

  it('keeps the first attempt stored: a second one is refused, its pages removed and never read', async () => {
    // Prepare: a give-up stored its result; a live attempt of the same chunk finishes after it.
    const partition = new TablePartition().serve();
    await store().putChunkResultIfAbsent(chunkResult(0, 3000, 'give-up'));

    // Act
    const second = await store().putChunkResultIfAbsent(chunkResult(0, 10, 'live'));

    // Assess
    expect(second).toBe(false);
    expect([...partition.items.keys()].filter((sk) => sk.includes('#live#'))).toEqual([]);
    expect((await store().getChunkResult(IMPORT_ID, 0))?.errors).toEqual(errorsFor(0, 3000));
    expect((await store().listRowErrors(IMPORT_ID, 5000)).items).toEqual(errorsFor(0, 3000));
  });

  it('never reads pages an attempt left without a result (it died before storing one)', async () => {
    // Prepare: pages of a crashed attempt sort before and after the standing one's.
    const partition = new TablePartition().serve();
    for (const crashed of ['aaa', 'zzz']) {
      await store().putChunkResultIfAbsent(chunkResult(0, 7, crashed));
      partition.items.delete('CHUNK#000000');
    }
    await store().putChunkResultIfAbsent(chunkResult(0, 3, 'standing'));

    // Act / Assess
    expect((await store().getChunkResult(IMPORT_ID, 0))?.errors).toEqual(errorsFor(0, 3));
    expect((await store().listRowErrors(IMPORT_ID, 100)).items).toEqual(errorsFor(0, 3));
  });

  it('still reads results and pages stored before attempts existed', async () => {
    // Prepare
    const partition = new TablePartition().serve();
    const { attempt: _attempt, errors, ...legacy } = chunkResult(2, 5);
    await store().putChunkResultIfAbsent(chunkResult(2, 5, 'x'));
    // As stored then: the summary without an attempt, its page keyed by chunk and page number alone.
    const { attempt: _stored, ...summary } = partition.items.get('CHUNK#000002') ?? {};
    partition.items.set('CHUNK#000002', summary);
    const page = partition.items.get('ERRS#000002#x#0000') ?? {};
    partition.items.delete('ERRS#000002#x#0000');
    partition.items.set('ERRS#000002#0000', { ...page, sk: 'ERRS#000002#0000' });

    // Act / Assess
    expect(await store().getChunkResult(IMPORT_ID, 2)).toEqual({ ...legacy, errors });
    expect((await store().listRowErrors(IMPORT_ID, 100)).items).toEqual(errors);
    expect(await store().listChunkAttempts(IMPORT_ID)).toEqual(new Map([[2, undefined]]));
  });

  it('retries the writes DynamoDB leaves unprocessed', async () => {
    // Prepare
    const partition = new TablePartition();
    db.on(BatchWriteCommand)
      .callsFakeOnce((input: BatchWriteCommandInput) => {
        const [first, ...rest] = input.RequestItems?.[TABLE] ?? [];
        partition.batchWrite({ RequestItems: { [TABLE]: first ? [first] : [] } });
        return { UnprocessedItems: { [TABLE]: rest } };
      })
      .callsFake((input: BatchWriteCommandInput) => partition.batchWrite(input));
    db.on(QueryCommand).callsFake((input: QueryCommandInput) => partition.query(input));
    db.on(PutCommand).resolves({});
    db.on(GetCommand).resolves({});

    // Act
    await store().putChunkResultIfAbsent(chunkResult(2, 2001));

    // Assess
    expect(partition.items.size).toBe(3);
    expect(db).toHaveReceivedCommandTimes(BatchWriteCommand, 2);
    expect(db.commandCalls(BatchWriteCommand)[1]?.args[0].input.RequestItems?.[TABLE]).toHaveLength(2);
  });

  it('returns undefined for a chunk without a stored result', async () => {
    // Prepare
    db.on(GetCommand).resolves({});

    // Act / Assess
    expect(await store().getChunkResult(IMPORT_ID, 9)).toBeUndefined();
    expect(db).toHaveReceivedCommandTimes(QueryCommand, 0);
  });
});

describe('DynamoTaskStore.listRowErrors', () => {
  const seed = async (): Promise<RowError[]> => {
    new TablePartition().serve();
    const results = [chunkResult(0, 1000), chunkResult(1, 0), chunkResult(2, 2300), chunkResult(3, 7)];
    for (const result of results) await store().putChunkResultIfAbsent(result);
    return results.flatMap((result) => result.errors);
  };

  it.each([333, 999, 1000, 1001, 5000])(
    'pages through every error in row order, %i at a time',
    async (limit) => {
      // Prepare
      const all = await seed();

      // Act
      const pages: RowError[][] = [];
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await store().listRowErrors(IMPORT_ID, limit, cursor);
        pages.push(page.items);
        cursor = page.next;
      } while (cursor && pages.length < 5000);

      // Assess
      expect(pages.flat()).toEqual(all);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    },
  );

  it('returns an empty page without a cursor when nothing failed', async () => {
    // Prepare
    db.on(QueryCommand).resolves({ Items: [] });

    // Act
    const page = await store().listRowErrors(IMPORT_ID, 50);

    // Assess
    expect(page).toEqual({ items: [] });
  });
});
