import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AccountId, parseAccountId } from '../account';
import {
  type ChunkResult,
  ErrorType,
  isFinalStatus,
  type RowError,
  type Task,
  type TaskRecord,
  type TaskStatus,
  taskRecordSchema,
  toPublicTask,
} from '../model';
import type { ChunkCounts, OpenTask, OpenTaskIndex, Page, TaskStore } from '../ports';
import { OPEN_TASKS_INDEX } from '../resource-definitions';
import { accountPartition } from './account-keys';
import { isConditionFailure } from './condition-failure';

/** Failed rows are stored in pages of this many errors, gzipped: one item per page, never one per row. */
export const ERRORS_PER_PAGE = 1000;

/** An account's imports, most recent first: its own partition of the `byCreatedAt` index. */
const listPartition = (account: AccountId) => accountPartition(account, 'IMPORTS');
/**
 * Partition of the sparse open-tasks index; removed from a task when it becomes final. It spans every
 * account: only the watchdog reads it, and it reads each task it finds through that task's own account.
 */
const OPEN_PARTITION = 'OPEN';
/** Every item of an import (the task, its chunk outcomes, its error pages) is in this partition. */
const taskPk = (account: AccountId, importId: string) => accountPartition(account, `IMPORT#${importId}`);
const TASK_PK = /^ACCOUNT#([^#]+)#IMPORT#(.+)$/;
const TASK_SK = 'TASK';
const chunkSk = (chunkIndex: number) => `CHUNK#${String(chunkIndex).padStart(6, '0')}`;
/**
 * Error pages are keyed by the attempt that wrote them (`ERRS#chunk#attempt#page`), so two attempts of one
 * chunk never write the same item, and readers take only the pages of the attempt whose result stands.
 * Results stored before attempts existed have pages without one (`ERRS#chunk#page`).
 */
const errorPagePrefix = (chunkIndex: number, attempt?: string) =>
  `ERRS#${String(chunkIndex).padStart(6, '0')}#${attempt === undefined ? '' : `${attempt}#`}`;
const errorPageSk = (chunkIndex: number, attempt: string, page: number) =>
  `${errorPagePrefix(chunkIndex, attempt)}${String(page).padStart(4, '0')}`;
const pageNumber = (sk: string): number => Number(sk.slice(sk.lastIndexOf('#') + 1));
/** The chunk and attempt (undefined: a page from before attempts) of an error page's sort key. */
const pageOwner = (sk: string): { chunkIndex: number; attempt: string | undefined } => {
  const [, chunk, ...rest] = sk.split('#');
  return { chunkIndex: Number(chunk), attempt: rest.length > 1 ? rest[0] : undefined };
};

/** A fix import's row numbers (its parent's, in file order), in the fix import's partition. */
const ROW_NUMBERS_SK = 'ROWNUMBERS';
/** Rows one fix imported, in the partition of each import it fixes (`FIXED#{fixImportId}`). */
const FIXED_PREFIX = 'FIXED#';

const packNumbers = (numbers: readonly number[]): Uint8Array => gzipSync(JSON.stringify(numbers));
const unpackNumbers = (blob: Uint8Array): number[] =>
  JSON.parse(gunzipSync(blob).toString('utf8')) as number[];

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const ERROR_TYPES = Object.values(ErrorType);
type PackedError = [number, number, string, string?];

const packErrors = (errors: readonly RowError[]): Uint8Array =>
  gzipSync(
    JSON.stringify(
      errors.map((error): PackedError => {
        const packed: PackedError = [error.rowNumber, ERROR_TYPES.indexOf(error.errorType), error.message];
        if (error.column) packed.push(error.column);
        return packed;
      }),
    ),
  );

const unpackErrors = (blob: Uint8Array): RowError[] =>
  (JSON.parse(gunzipSync(blob).toString('utf8')) as PackedError[]).map(
    ([rowNumber, type, message, column]) => ({
      rowNumber,
      errorType: ERROR_TYPES[type] ?? ErrorType.SYSTEM,
      message,
      ...(column ? { column } : {}),
    }),
  );

const toTask = (item: Record<string, unknown>): TaskRecord => taskRecordSchema.parse(item);

const openIndexKeys = (task: Pick<TaskRecord, 'status' | 'createdAt' | 'importId'>) =>
  isFinalStatus(task.status) ? {} : { openpk: OPEN_PARTITION, opensk: `${task.createdAt}#${task.importId}` };

/**
 * The `byOpenStatus` keys a stored state-table item should carry: those of a non-final task, none for
 * anything else. For rebuilding a table made before the index existed (the local stack's upgrade).
 */
export const openIndexKeysOf = (item: Record<string, unknown>): { openpk?: string; opensk?: string } => {
  const task = taskRecordSchema.pick({ status: true, createdAt: true, importId: true }).safeParse(item);
  return item.sk === TASK_SK && task.success ? openIndexKeys(task.data) : {};
};

/** Builds `SET a = :a, …` for the given fields (undefined values are skipped). */
const setExpression = (fields: Record<string, unknown>) => {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const [index, [name, value]] of Object.entries(fields).entries()) {
    if (value === undefined) continue;
    names[`#f${index}`] = name;
    values[`:f${index}`] = value;
    parts.push(`#f${index} = :f${index}`);
  }
  return { expression: parts.join(', '), names, values };
};

/** TaskStore on the single state table (tasks, chunk outcomes, error pages). */
export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly account: AccountId,
  ) {}

  private pk(importId: string): string {
    return taskPk(this.account, importId);
  }

  async create(task: TaskRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...task,
            pk: this.pk(task.importId),
            sk: TASK_SK,
            gsi1pk: listPartition(this.account),
            gsi1sk: `${task.createdAt}#${task.importId}`,
            ...openIndexKeys(task),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(importId: string): Promise<TaskRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: this.pk(importId), sk: TASK_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toTask(out.Item) : undefined;
  }

  /**
   * The index gives the page's order; the tasks themselves are then read from the table in one batch
   * (consistently), so a page shows every public field as it stands, those added after the index was
   * made included (a deployed index's projection cannot change).
   */
  async list(limit: number, after?: Record<string, unknown>): Promise<Page<Task>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byCreatedAt',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': listPartition(this.account) },
        ProjectionExpression: 'pk, sk',
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: after } : {}),
      }),
    );
    const keys = (out.Items ?? []).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
    const found = await this.readTasks(keys);
    return {
      items: keys.flatMap((key) => {
        const item = found.get(key.pk);
        // A task deleted between the two reads is left out of the page.
        return item ? [toPublicTask(toTask(item))] : [];
      }),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }

  /** Task items by key, 100 per request (BatchGetItem's limit), reading again what is left unprocessed. */
  private async readTasks(
    keys: readonly { pk: string; sk: string }[],
  ): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    for (let start = 0; start < keys.length; start += 100) {
      let pending: Record<string, unknown>[] = keys.slice(start, start + 100);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 8)
          throw new Error('Could not read the imports of a page: DynamoDB kept keys unprocessed');
        const read = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of read.Responses?.[this.table] ?? []) found.set(String(item.pk), item);
        pending = read.UnprocessedKeys?.[this.table]?.Keys ?? [];
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
    return found;
  }

  async transition(
    importId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    fields: Partial<TaskRecord> = {},
    unset: readonly (keyof TaskRecord)[] = [],
  ): Promise<TaskRecord | undefined> {
    if (from.length === 0) throw new Error('transition needs at least one status to move from');
    const unsetNames = Object.fromEntries(unset.map((field, index) => [`#unset${index}`, field]));
    const unsetCondition = Object.keys(unsetNames)
      .map((name) => ` AND attribute_not_exists(${name})`)
      .join('');
    const set = setExpression({ ...fields, status: to, updatedAt: new Date().toISOString() });
    const fromValues = Object.fromEntries(from.map((status, index) => [`:from${index}`, status]));
    // A final task leaves the open-tasks index: the watchdog never reads it again.
    const leaveOpenIndex = isFinalStatus(to) ? ' REMOVE openpk, opensk' : '';
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: this.pk(importId), sk: TASK_SK },
          UpdateExpression: `SET ${set.expression}${leaveOpenIndex}`,
          ConditionExpression: `#status IN (${Object.keys(fromValues).join(', ')})${unsetCondition}`,
          ExpressionAttributeNames: { ...set.names, ...unsetNames, '#status': 'status' },
          ExpressionAttributeValues: { ...set.values, ...fromValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toTask(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async update(importId: string, fields: Partial<TaskRecord>): Promise<void> {
    const set = setExpression({ ...fields, updatedAt: new Date().toISOString() });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: this.pk(importId), sk: TASK_SK },
        UpdateExpression: `SET ${set.expression}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: set.names,
        ExpressionAttributeValues: set.values,
      }),
    );
  }

  async countChunk(
    importId: string,
    chunkIndex: number,
    counts: ChunkCounts,
  ): Promise<{ counted: boolean; task: TaskRecord }> {
    // Created and updated rows are counted for upsert templates only (their chunks' results carry them).
    const upserts =
      (counts.created === undefined ? '' : ', createdCount :created') +
      (counts.updated === undefined ? '' : ', updatedCount :updated');
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: this.pk(importId), sk: TASK_SK },
          // The set of counted chunk indexes makes the counter update happen once per chunk, whatever
          // the redeliveries: the local emulator has no transactions, so this one conditional write is it.
          UpdateExpression: `ADD processedRows :rows, successCount :ok, errorCount :bad, systemErrorCount :sys, chunksDone :one, countedChunks :chunk${upserts} SET updatedAt = :now`,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(countedChunks, :index)',
          ExpressionAttributeValues: {
            ':rows': counts.rows,
            ':ok': counts.success,
            ':bad': counts.errors,
            ':sys': counts.systemErrors ?? 0,
            ':one': 1,
            ':chunk': new Set([chunkIndex]),
            ':index': chunkIndex,
            ':now': new Date().toISOString(),
            ...(counts.created === undefined ? {} : { ':created': counts.created }),
            ...(counts.updated === undefined ? {} : { ':updated': counts.updated }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!out.Attributes) throw new Error(`Task ${importId} vanished while counting chunk ${chunkIndex}`);
      return { counted: true, task: toTask(out.Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const task = await this.get(importId);
      if (!task) throw new Error(`Task ${importId} does not exist`);
      return { counted: false, task };
    }
  }

  /** Writes requests 25 at a time (the BatchWrite limit), retrying the ones DynamoDB leaves unprocessed. */
  private async batchWrite(requests: readonly WriteRequest[], what: string): Promise<void> {
    for (let start = 0; start < requests.length; start += 25) {
      let pending = requests.slice(start, start + 25);
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        if (attempt > 8) throw new Error(`Could not write ${what}: DynamoDB kept requests unprocessed`);
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = out.UnprocessedItems?.[this.table] ?? [];
        if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** Writes an attempt's error pages (keys of its own); returns the page count. */
  private async putErrorPages(result: ChunkResult & { attempt: string }): Promise<Record<string, unknown>[]> {
    const { importId, chunkIndex, attempt } = result;
    const pk = this.pk(importId);
    const pages: Record<string, unknown>[] = [];
    for (let start = 0, page = 0; start < result.errors.length; start += ERRORS_PER_PAGE, page += 1) {
      pages.push({
        pk,
        sk: errorPageSk(chunkIndex, attempt, page),
        errors: packErrors(result.errors.slice(start, start + ERRORS_PER_PAGE)),
      });
    }
    await this.batchWrite(
      pages.map((Item) => ({ PutRequest: { Item } })),
      `error pages of chunk ${chunkIndex}`,
    );
    return pages;
  }

  async putChunkResultIfAbsent(result: ChunkResult): Promise<boolean> {
    const { attempt } = result;
    if (attempt === undefined) throw new Error('A chunk result is stored with the attempt that made it');
    const key = { pk: this.pk(result.importId), sk: chunkSk(result.chunkIndex) };
    const existing = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    if (existing.Item) return false;
    const { errors: _errors, ...summary } = result;
    const pages = await this.putErrorPages({ ...result, attempt });
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...summary, ...key, errorPages: pages.length },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Another attempt's result stands: its pages are the chunk's, these are never read. Best effort.
      await this.batchWrite(
        pages.map((page) => ({ DeleteRequest: { Key: { pk: page.pk, sk: page.sk } } })),
        `error pages of a losing attempt of chunk ${result.chunkIndex}`,
      ).catch(() => undefined);
      return false;
    }
  }

  /** Every item of a partition whose sort key starts with `prefix`, read consistently, page by page. */
  private async *itemsWithPrefix(
    pk: string,
    prefix: string,
    projection?: string,
  ): AsyncGenerator<Record<string, unknown>> {
    let after: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ...(projection ? { ProjectionExpression: projection } : {}),
          ConsistentRead: true,
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      yield* out.Items ?? [];
      after = out.LastEvaluatedKey;
    } while (after);
  }

  async listChunkAttempts(importId: string): Promise<Map<number, string | undefined>> {
    const attempts = new Map<number, string | undefined>();
    for await (const item of this.itemsWithPrefix(this.pk(importId), 'CHUNK#', 'sk, attempt')) {
      attempts.set(Number(String(item.sk).slice('CHUNK#'.length)), item.attempt as string | undefined);
    }
    return attempts;
  }

  async getChunkResult(importId: string, chunkIndex: number): Promise<ChunkResult | undefined> {
    const pk = this.pk(importId);
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk, sk: chunkSk(chunkIndex) }, ConsistentRead: true }),
    );
    if (!out.Item) return undefined;
    const errors: RowError[] = [];
    const attempt = typeof out.Item.attempt === 'string' ? out.Item.attempt : undefined;
    const prefix = errorPagePrefix(chunkIndex, attempt);
    // Pages past the summary's count belong to an earlier attempt whose clean-up did not finish.
    const pageCount =
      typeof out.Item.errorPages === 'number' ? out.Item.errorPages : Number.POSITIVE_INFINITY;
    for await (const item of this.itemsWithPrefix(pk, prefix)) {
      const sk = String(item.sk);
      if (pageOwner(sk).attempt === attempt && pageNumber(sk) < pageCount)
        errors.push(...unpackErrors(item.errors as Uint8Array));
    }
    return {
      importId,
      chunkIndex,
      firstRowNumber: Number(out.Item.firstRowNumber),
      rowCount: Number(out.Item.rowCount),
      successCount: Number(out.Item.successCount),
      errorCount: Number(out.Item.errorCount),
      errors,
      ...(attempt === undefined ? {} : { attempt }),
    };
  }

  async listRowErrors(
    importId: string,
    limit: number,
    after?: Record<string, unknown>,
  ): Promise<Page<RowError>> {
    const fromSk = typeof after?.sk === 'string' ? after.sk : 'ERRS#';
    let offset = typeof after?.offset === 'number' ? after.offset : 0;
    // Only the pages of each chunk's standing result: a losing attempt's are skipped, never listed twice.
    const standing = await this.listChunkAttempts(importId);
    const items: RowError[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': this.pk(importId), ':from': fromSk, ':to': 'ERRS#~' },
          Limit: 10,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const owner = pageOwner(String(item.sk));
        if (!standing.has(owner.chunkIndex) || standing.get(owner.chunkIndex) !== owner.attempt) continue;
        const page = unpackErrors(item.errors as Uint8Array);
        const take = page.slice(offset, offset + (limit - items.length));
        items.push(...take);
        const consumed = offset + take.length;
        offset = 0;
        if (items.length >= limit) {
          const sk = String(item.sk);
          return consumed < page.length
            ? { items, next: { sk, offset: consumed } }
            : { items, next: { sk: `${sk}~`, offset: 0 } };
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return { items };
  }

  async putRowNumbers(importId: string, rows: readonly number[]): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: this.pk(importId), sk: ROW_NUMBERS_SK, rows: packNumbers(rows) },
      }),
    );
  }

  async getRowNumbers(importId: string): Promise<number[] | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: this.pk(importId), sk: ROW_NUMBERS_SK },
        ConsistentRead: true,
      }),
    );
    return out.Item ? unpackNumbers(out.Item.rows as Uint8Array) : undefined;
  }

  async putFixedRows(importId: string, fixImportId: string, rows: readonly number[]): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: this.pk(importId), sk: `${FIXED_PREFIX}${fixImportId}`, rows: packNumbers(rows) },
      }),
    );
  }

  async listFixedRows(importId: string): Promise<Map<number, string>> {
    const fixed = new Map<number, string>();
    // In sort-key order, so a row two fixes imported is given to the same one on every read.
    for await (const item of this.itemsWithPrefix(this.pk(importId), FIXED_PREFIX)) {
      const fixImportId = String(item.sk).slice(FIXED_PREFIX.length);
      for (const row of unpackNumbers(item.rows as Uint8Array))
        if (!fixed.has(row)) fixed.set(row, fixImportId);
    }
    return fixed;
  }

  async addFixImport(importId: string, fixImportId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: this.pk(importId), sk: TASK_SK },
          UpdateExpression:
            'SET fixImportIds = list_append(if_not_exists(fixImportIds, :empty), :id), updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(fixImportIds, :fix)',
          ExpressionAttributeValues: {
            ':empty': [],
            ':id': [fixImportId],
            ':fix': fixImportId,
            ':now': new Date().toISOString(),
          },
        }),
      );
    } catch (error) {
      // Listed already (a retried call): nothing to add.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/**
 * The open tasks of every account (the sparse `byOpenStatus` index), for the watchdog: each is read whole
 * and consistently through its own account's store, since the index holds keys only.
 */
export class DynamoOpenTaskIndex implements OpenTaskIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async listOpen(limit: number, after?: Record<string, unknown>): Promise<Page<OpenTask>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: OPEN_TASKS_INDEX,
        KeyConditionExpression: 'openpk = :p',
        ExpressionAttributeValues: { ':p': OPEN_PARTITION },
        Limit: limit,
        ...(after ? { ExclusiveStartKey: after } : {}),
      }),
    );
    const found = await Promise.all(
      (out.Items ?? []).map(async (item): Promise<OpenTask | undefined> => {
        const [, segment, importId] = TASK_PK.exec(String(item.pk)) ?? [];
        const account = parseAccountId(segment);
        if (!account || importId === undefined) return undefined;
        const task = await new DynamoTaskStore(this.db, this.table, account).get(importId);
        return task ? { account, task } : undefined;
      }),
    );
    return {
      items: found.filter((open): open is OpenTask => open !== undefined),
      ...(out.LastEvaluatedKey ? { next: out.LastEvaluatedKey } : {}),
    };
  }
}
