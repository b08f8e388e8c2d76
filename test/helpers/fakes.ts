import { Readable } from 'node:stream';
import { type AccountId, DEFAULT_ACCOUNT } from '../../lambdas/shared/account';
import type { EmailMessage } from '../../lambdas/shared/email-message';
import type { EmailSettings } from '../../lambdas/shared/email-settings';
import type { SavedMapping } from '../../lambdas/shared/mapping/saved';
import {
  type ChunkResult,
  isFinalStatus,
  type RowError,
  type Task,
  type TaskRecord,
  type TaskStatus,
  toPublicTask,
} from '../../lambdas/shared/model';
import type {
  AddressRegistry,
  BatchInsertOutcome,
  Bucket,
  ChunkCounts,
  CompletedPart,
  EmailMessageStore,
  ImportSlots,
  InsertOutcome,
  MailSender,
  MappingStore,
  MessageQueue,
  ObjectHead,
  OpenTask,
  OpenTaskIndex,
  OutgoingMail,
  Page,
  RecordInsert,
  RecordOrigin,
  RecordStore,
  SettingsStore,
  StoredRecord,
  TaskStore,
  UpsertOutcome,
} from '../../lambdas/shared/ports';

/** In-memory ObjectStore with the semantics the cores rely on (and the bucket's copy). */
export class FakeObjectStore implements Bucket {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  readonly uploads = new Map<string, { key: string; parts: Map<number, Buffer> }>();
  private nextUploadId = 1;

  text(key: string): string | undefined {
    return this.objects.get(key)?.body.toString('utf8');
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const object = this.objects.get(key);
    return object ? { size: object.body.length, contentType: object.contentType } : undefined;
  }

  async copy(sourceKey: string, key: string): Promise<void> {
    const source = this.require(sourceKey);
    this.objects.set(key, { body: Buffer.from(source.body), contentType: source.contentType });
  }

  async getRange(key: string, start: number, end: number): Promise<Buffer> {
    return Buffer.from(this.require(key).body.subarray(start, end));
  }

  async getStream(key: string, start = 0): Promise<Readable> {
    const body = this.require(key).body.subarray(start);
    // Small pieces, like a network stream, so boundary handling is exercised.
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += 7919)
      pieces.push(body.subarray(offset, offset + 7919));
    return Readable.from(pieces);
  }

  async put(key: string, body: string | Buffer, contentType: string): Promise<void> {
    this.objects.set(key, {
      body: Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(body, 'utf8'),
      contentType,
    });
  }

  async upload(key: string, body: Readable, contentType: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    this.objects.set(key, { body: Buffer.concat(chunks), contentType });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async createMultipartUpload(key: string): Promise<string> {
    const uploadId = `upload-${this.nextUploadId++}`;
    this.uploads.set(uploadId, { key, parts: new Map() });
    return uploadId;
  }

  async presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    contentLength: number,
    expiresIn: number,
  ): Promise<string> {
    return `https://fake-s3.test/${key}?uploadId=${uploadId}&partNumber=${partNumber}&length=${contentLength}&expires=${expiresIn}`;
  }

  /** What a browser PUT to a presigned part URL does. */
  putPart(uploadId: string, partNumber: number, body: Buffer): string {
    const upload = this.uploads.get(uploadId);
    if (!upload) throw new Error(`NoSuchUpload ${uploadId}`);
    upload.parts.set(partNumber, body);
    return `"etag-${partNumber}"`;
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.key !== key)
      throw Object.assign(new Error('NoSuchUpload'), { name: 'NoSuchUpload' });
    const body = Buffer.concat(
      [...parts]
        .sort((a, b) => a.partNumber - b.partNumber)
        .map((part) => upload.parts.get(part.partNumber) ?? Buffer.alloc(0)),
    );
    this.objects.set(key, { body, contentType: 'text/csv' });
    this.uploads.delete(uploadId);
  }

  async abortMultipartUpload(_key: string, uploadId: string): Promise<void> {
    this.uploads.delete(uploadId);
  }

  async presignGet(key: string, expiresIn: number, downloadName: string): Promise<string> {
    return `https://fake-s3.test/${key}?expires=${expiresIn}&name=${encodeURIComponent(downloadName)}`;
  }

  private require(key: string) {
    const object = this.objects.get(key);
    if (!object) throw Object.assign(new Error(`NoSuchKey ${key}`), { name: 'NoSuchKey' });
    return object;
  }
}

/** In-memory TaskStore mirroring the conditional semantics of the DynamoDB adapter. */
export class FakeTaskStore implements TaskStore {
  readonly tasks = new Map<string, TaskRecord>();
  readonly counted = new Map<string, Set<number>>();
  readonly chunkResults = new Map<string, ChunkResult>();

  async create(task: TaskRecord): Promise<boolean> {
    if (this.tasks.has(task.importId)) return false;
    this.tasks.set(task.importId, structuredClone(task));
    return true;
  }

  async get(importId: string): Promise<TaskRecord | undefined> {
    const task = this.tasks.get(importId);
    return task ? structuredClone(task) : undefined;
  }

  async list(limit: number, after?: Record<string, unknown>): Promise<Page<Task>> {
    const sorted = [...this.tasks.values()].sort((a, b) =>
      `${b.createdAt}#${b.importId}`.localeCompare(`${a.createdAt}#${a.importId}`),
    );
    const start = typeof after?.index === 'number' ? after.index : 0;
    // As the index behind it holds them: the public fields only.
    const items = sorted.slice(start, start + limit).map((task) => toPublicTask(structuredClone(task)));
    return start + limit < sorted.length ? { items, next: { index: start + limit } } : { items };
  }

  async transition(
    importId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    fields: Partial<TaskRecord> = {},
    unset: readonly (keyof TaskRecord)[] = [],
  ): Promise<TaskRecord | undefined> {
    const task = this.tasks.get(importId);
    if (!task || !from.includes(task.status)) return undefined;
    if (unset.some((field) => task[field] !== undefined)) return undefined;
    const next = { ...task, ...withoutUndefined(fields), status: to };
    this.tasks.set(importId, next);
    return structuredClone(next);
  }

  async update(importId: string, fields: Partial<TaskRecord>): Promise<void> {
    const task = this.tasks.get(importId);
    if (!task) throw new Error(`Task ${importId} does not exist`);
    this.tasks.set(importId, { ...task, ...withoutUndefined(fields) });
  }

  async countChunk(importId: string, chunkIndex: number, counts: ChunkCounts) {
    const task = this.tasks.get(importId);
    if (!task) throw new Error(`Task ${importId} does not exist`);
    const seen = this.counted.get(importId) ?? new Set<number>();
    this.counted.set(importId, seen);
    if (seen.has(chunkIndex)) return { counted: false, task: structuredClone(task) };
    seen.add(chunkIndex);
    const next: TaskRecord = {
      ...task,
      countedChunks: [...seen],
      processedRows: task.processedRows + counts.rows,
      successCount: task.successCount + counts.success,
      errorCount: task.errorCount + counts.errors,
      systemErrorCount: (task.systemErrorCount ?? 0) + (counts.systemErrors ?? 0),
      chunksDone: (task.chunksDone ?? 0) + 1,
      ...(counts.created === undefined ? {} : { createdCount: (task.createdCount ?? 0) + counts.created }),
      ...(counts.updated === undefined ? {} : { updatedCount: (task.updatedCount ?? 0) + counts.updated }),
    };
    this.tasks.set(importId, next);
    return { counted: true, task: structuredClone(next) };
  }

  /** The attempt of a chunk's stored result, whose report parts stand (tests read them by it). */
  attemptOf(importId: string, chunkIndex: number): string | undefined {
    return this.chunkResults.get(`${importId}#${chunkIndex}`)?.attempt;
  }

  /** Test set-up only: stores a result whatever is there (the port has no such write). */
  async putChunkResult(result: ChunkResult): Promise<void> {
    this.chunkResults.set(`${result.importId}#${result.chunkIndex}`, structuredClone(result));
  }

  async putChunkResultIfAbsent(result: ChunkResult): Promise<boolean> {
    if (this.chunkResults.has(`${result.importId}#${result.chunkIndex}`)) return false;
    await this.putChunkResult(result);
    return true;
  }

  async listChunkAttempts(importId: string): Promise<Map<number, string | undefined>> {
    return new Map(
      [...this.chunkResults.values()]
        .filter((result) => result.importId === importId)
        .map((result) => [result.chunkIndex, result.attempt]),
    );
  }

  async getChunkResult(importId: string, chunkIndex: number): Promise<ChunkResult | undefined> {
    const result = this.chunkResults.get(`${importId}#${chunkIndex}`);
    return result ? structuredClone(result) : undefined;
  }

  async listRowErrors(
    importId: string,
    limit: number,
    after?: Record<string, unknown>,
  ): Promise<Page<RowError>> {
    const all = [...this.chunkResults.values()]
      .filter((result) => result.importId === importId)
      .sort((a, b) => a.chunkIndex - b.chunkIndex)
      .flatMap((result) => result.errors);
    const start = typeof after?.index === 'number' ? after.index : 0;
    const items = all.slice(start, start + limit);
    return start + limit < all.length ? { items, next: { index: start + limit } } : { items };
  }

  readonly rowNumbers = new Map<string, number[]>();
  /** importId → fix import id → rows it imported. */
  readonly fixedRows = new Map<string, Map<string, number[]>>();

  async putRowNumbers(importId: string, rows: readonly number[]): Promise<void> {
    this.rowNumbers.set(importId, [...rows]);
  }

  async getRowNumbers(importId: string): Promise<number[] | undefined> {
    const rows = this.rowNumbers.get(importId);
    return rows ? [...rows] : undefined;
  }

  async putFixedRows(importId: string, fixImportId: string, rows: readonly number[]): Promise<void> {
    const byFix = this.fixedRows.get(importId) ?? new Map<string, number[]>();
    byFix.set(fixImportId, [...rows]);
    this.fixedRows.set(importId, byFix);
  }

  async listFixedRows(importId: string): Promise<Map<number, string>> {
    const fixed = new Map<number, string>();
    const byFix = [...(this.fixedRows.get(importId) ?? new Map<string, number[]>())].sort(([a], [b]) =>
      a.localeCompare(b),
    );
    for (const [fixImportId, rows] of byFix)
      for (const row of rows) if (!fixed.has(row)) fixed.set(row, fixImportId);
    return fixed;
  }

  async addFixImport(importId: string, fixImportId: string): Promise<void> {
    const task = this.tasks.get(importId);
    if (!task || task.fixImportIds?.includes(fixImportId)) return;
    this.tasks.set(importId, { ...task, fixImportIds: [...(task.fixImportIds ?? []), fixImportId] });
  }
}

const withoutUndefined = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

/** In-memory RecordStore with insert-only and upsert semantics. */
export class FakeRecordStore implements RecordStore {
  readonly records = new Map<string, StoredRecord & { templateId: string }>();
  /** Keys that make the next write fail, to simulate a store outage for one row. */
  readonly failingKeys = new Set<string>();
  /** Keys a batch leaves 'unprocessed' once each (throttling), then writes normally. */
  readonly throttledKeys = new Set<string>();
  /** Record counts of every insertBatch call, in call order. */
  readonly batchSizes: number[] = [];
  /** What the last upsert of each record replaced (as the real store keeps it on the record). */
  readonly replaced = new Map<string, StoredRecord>();

  async insert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<InsertOutcome> {
    if (this.failingKeys.has(key)) throw new Error(`store unavailable for ${key}`);
    const id = `${templateId}#${key}`;
    const existing = this.records.get(id);
    if (existing) {
      return existing.importId === origin.importId && existing.rowNumber === origin.rowNumber
        ? 'already-ours'
        : 'exists';
    }
    const now = new Date().toISOString();
    this.records.set(id, { templateId, key, data, ...origin, createdAt: now, updatedAt: now });
    return 'inserted';
  }

  async insertBatch(templateId: string, records: readonly RecordInsert[]): Promise<BatchInsertOutcome[]> {
    this.batchSizes.push(records.length);
    if (new Set(records.map((record) => record.key)).size !== records.length) {
      throw new RangeError('insertBatch needs distinct keys');
    }
    const outcomes: BatchInsertOutcome[] = [];
    for (const record of records) {
      if (this.throttledKeys.delete(record.key)) {
        outcomes.push('unprocessed');
        continue;
      }
      outcomes.push(await this.insert(templateId, record.key, record.data, record.origin));
    }
    return outcomes;
  }

  async upsert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<UpsertOutcome> {
    if (this.failingKeys.has(key)) throw new Error(`store unavailable for ${key}`);
    const id = `${templateId}#${key}`;
    const existing = this.records.get(id);
    if (existing && existing.importId === origin.importId && existing.rowNumber === origin.rowNumber)
      return this.replaced.has(id) ? 'updated' : 'created';
    const now = new Date().toISOString();
    if (existing) {
      const { templateId: _t, ...before } = existing;
      this.replaced.set(id, before);
    } else this.replaced.delete(id);
    this.records.set(id, {
      templateId,
      key,
      data,
      ...origin,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return existing ? 'updated' : 'created';
  }

  async owners(templateId: string, keys: readonly string[]): Promise<Map<string, RecordOrigin | null>> {
    const owners = new Map<string, RecordOrigin | null>();
    for (const key of keys) {
      if (this.failingKeys.has(key)) continue;
      const record = this.records.get(`${templateId}#${key}`);
      owners.set(key, record ? { importId: record.importId, rowNumber: record.rowNumber } : null);
    }
    return owners;
  }

  async list(
    templateId: string,
    limit: number,
    after?: Record<string, unknown>,
  ): Promise<Page<StoredRecord>> {
    const all = [...this.records.values()].filter((record) => record.templateId === templateId);
    const start = typeof after?.index === 'number' ? after.index : 0;
    const items = all.slice(start, start + limit).map(({ templateId: _t, ...record }) => record);
    return start + limit < all.length ? { items, next: { index: start + limit } } : { items };
  }
}

/** Collects sent messages. */
export class FakeQueue<Message> implements MessageQueue<Message> {
  readonly sent: Message[] = [];
  async send(messages: readonly Message[]): Promise<void> {
    this.sent.push(...messages.map((message) => structuredClone(message)));
  }
}

/** Open tasks of the given accounts' stores, oldest first, like the sparse index (keyed by createdAt). */
export class FakeOpenTaskIndex implements OpenTaskIndex {
  constructor(private readonly stores: ReadonlyMap<AccountId, FakeTaskStore>) {}

  static of(tasks: FakeTaskStore, account: AccountId = DEFAULT_ACCOUNT): FakeOpenTaskIndex {
    return new FakeOpenTaskIndex(new Map([[account, tasks]]));
  }

  async listOpen(limit: number, after?: Record<string, unknown>): Promise<Page<OpenTask>> {
    const open = [...this.stores.entries()]
      .flatMap(([account, store]) => [...store.tasks.values()].map((task) => ({ account, task })))
      .filter(({ task }) => !isFinalStatus(task.status))
      .sort((a, b) =>
        `${a.task.createdAt}#${a.task.importId}`.localeCompare(`${b.task.createdAt}#${b.task.importId}`),
      );
    const start = typeof after?.index === 'number' ? after.index : 0;
    const items = open
      .slice(start, start + limit)
      .map(({ account, task }) => ({ account, task: structuredClone(task) }));
    return start + limit < open.length ? { items, next: { index: start + limit } } : { items };
  }
}

/** In-memory AddressRegistry: addresses held by accounts, conditional like the DynamoDB adapter. */
export class FakeAddressRegistry implements AddressRegistry {
  readonly holders = new Map<string, AccountId>();

  async owners(addresses: readonly string[]): Promise<Map<string, AccountId>> {
    const owners = new Map<string, AccountId>();
    for (const address of addresses) {
      const key = address.trim().toLowerCase();
      const holder = this.holders.get(key);
      if (holder) owners.set(key, holder);
    }
    return owners;
  }

  async claim(address: string, account: AccountId): Promise<boolean> {
    const key = address.trim().toLowerCase();
    const holder = this.holders.get(key);
    if (holder && holder !== account) return false;
    this.holders.set(key, account);
    return true;
  }

  async release(address: string, account: AccountId): Promise<void> {
    const key = address.trim().toLowerCase();
    if (this.holders.get(key) === account) this.holders.delete(key);
  }
}

/** In-memory ImportSlots with the conditional semantics of the DynamoDB adapter. */
export class FakeImportSlots implements ImportSlots {
  readonly running = new Set<string>();
  readonly waiting = new Set<string>();
  limit: number | undefined;

  async read(): Promise<{ running: string[]; waiting: string[]; limit?: number }> {
    return {
      running: [...this.running],
      waiting: [...this.waiting],
      ...(this.limit === undefined ? {} : { limit: this.limit }),
    };
  }

  async take(importId: string, limit: number): Promise<boolean> {
    if (!this.running.has(importId) && this.running.size >= limit) return false;
    this.running.add(importId);
    this.waiting.delete(importId);
    return true;
  }

  async wait(importId: string): Promise<void> {
    this.waiting.add(importId);
  }

  async release(importIds: readonly string[]): Promise<string[]> {
    for (const importId of importIds) this.running.delete(importId);
    return [...this.waiting];
  }

  async setLimit(limit: number | undefined): Promise<void> {
    this.limit = limit;
  }
}

/** In-memory SettingsStore. */
export class FakeSettingsStore implements SettingsStore {
  email: EmailSettings | undefined;

  async getEmailSettings(): Promise<EmailSettings | undefined> {
    return this.email ? structuredClone(this.email) : undefined;
  }

  async putEmailSettings(settings: EmailSettings): Promise<void> {
    this.email = structuredClone(settings);
  }
}

/** In-memory MappingStore, newest first as the DynamoDB adapter lists them. */
export class FakeMappingStore implements MappingStore {
  readonly saved = new Map<string, SavedMapping>();

  async list(templateId: string): Promise<SavedMapping[]> {
    return [...this.saved.values()]
      .filter((mapping) => mapping.templateId === templateId)
      .map((mapping) => structuredClone(mapping))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async get(templateId: string, mappingId: string): Promise<SavedMapping | undefined> {
    const found = this.saved.get(`${templateId}#${mappingId}`);
    return found ? structuredClone(found) : undefined;
  }

  async put(mapping: SavedMapping): Promise<void> {
    this.saved.set(`${mapping.templateId}#${mapping.mappingId}`, structuredClone(mapping));
  }

  async delete(templateId: string, mappingId: string): Promise<boolean> {
    return this.saved.delete(`${templateId}#${mappingId}`);
  }
}

/** In-memory EmailMessageStore with the conditional semantics of the DynamoDB adapter. */
export class FakeEmailMessageStore implements EmailMessageStore {
  readonly messages = new Map<string, EmailMessage>();

  async create(message: EmailMessage): Promise<boolean> {
    if (this.messages.has(message.messageId)) return false;
    this.messages.set(message.messageId, structuredClone(message));
    return true;
  }

  async get(messageId: string): Promise<EmailMessage | undefined> {
    const message = this.messages.get(messageId);
    return message ? structuredClone(message) : undefined;
  }

  async claimReply(messageId: string, claimedAt: string, staleBefore: string): Promise<boolean> {
    const message = this.messages.get(messageId);
    if (!message || message.replySentAt) return false;
    if (message.replyClaimedAt !== undefined && message.replyClaimedAt >= staleBefore) return false;
    message.replyClaimedAt = claimedAt;
    return true;
  }

  async markReplySent(
    messageId: string,
    claimedAt: string,
    sentAt: string,
    replyMessageId: string,
  ): Promise<void> {
    const message = this.messages.get(messageId);
    if (!message || message.replyClaimedAt !== claimedAt) {
      throw Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      });
    }
    Object.assign(message, { replySentAt: sentAt, replyMessageId });
  }

  async releaseReply(messageId: string, claimedAt: string): Promise<void> {
    const message = this.messages.get(messageId);
    if (message?.replyClaimedAt === claimedAt) delete message.replyClaimedAt;
  }
}

/** Collects sent mail; `failNext` makes the next sends throw, like a provider outage. */
export class FakeMailSender implements MailSender {
  readonly sent: OutgoingMail[] = [];
  failNext = 0;

  async send(mail: OutgoingMail): Promise<string> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('Throttling: Maximum sending rate exceeded'), { name: 'Throttling' });
    }
    this.sent.push(structuredClone(mail));
    return `reply-${this.sent.length}`;
  }
}
