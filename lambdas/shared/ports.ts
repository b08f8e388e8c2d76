import type { Readable } from 'node:stream';
import type { AccountId } from './account';
import type { EmailMessage } from './email-message';
import type { EmailSettings } from './email-settings';
import type { SavedMapping } from './mapping/saved';
import type { ChunkResult, RowError, Task, TaskRecord, TaskStatus } from './model';

/**
 * The narrow interfaces the cores depend on. Real adapters live in `adapters/` and are built once in
 * `composition-root.ts`; unit tests use the in-memory fakes in `test/helpers`.
 */

export interface ObjectHead {
  size: number;
  contentType?: string;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface ObjectStore {
  head(key: string): Promise<ObjectHead | undefined>;
  /** Bytes [start, end) of an object; callers keep ranges bounded. */
  getRange(key: string, start: number, end: number): Promise<Buffer>;
  /** The object (or the bytes from `start`) as a stream, for one pass over a large file. */
  getStream(key: string, start?: number): Promise<Readable>;
  put(key: string, body: string | Buffer, contentType: string): Promise<void>;
  /** Copies an object (of at most 5 GB) to another key, in the store (the bytes never pass through here). */
  copy(sourceKey: string, key: string): Promise<void>;
  /** Streams a body of unknown length into an object (multipart under the hood). */
  upload(key: string, body: Readable, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  createMultipartUpload(key: string, contentType: string): Promise<string>;
  /** Presigned UploadPart whose signature covers `contentLength`: S3 refuses a body of another size. */
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    contentLength: number,
    expiresInSeconds: number,
  ): Promise<string>;
  completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Presigned GET that downloads as `downloadName`. */
  presignGet(key: string, expiresInSeconds: number, downloadName: string): Promise<string>;
}

/** The bucket itself, with the keys S3 holds (an account's store maps its keys onto these). */
export type Bucket = ObjectStore;

export interface Page<T> {
  items: T[];
  /** Opaque store position to continue from; absent on the last page. */
  next?: Record<string, unknown>;
}

export interface ChunkCounts {
  rows: number;
  success: number;
  errors: number;
  /** Failed rows among `errors` that failed with SYSTEM errors (a chunk given up on). */
  systemErrors?: number;
  /** Of `success`, for an upsert template: rows that created a record and rows that updated one. */
  created?: number;
  updated?: number;
}

export interface TaskStore {
  /** Creates a task; false when one with that id already exists. */
  create(task: TaskRecord): Promise<boolean>;
  get(importId: string): Promise<TaskRecord | undefined>;
  /** Most recent first, as the API shows them (the index behind it holds only the public fields). */
  list(limit: number, after?: Record<string, unknown>): Promise<Page<Task>>;
  /**
   * Moves a task to `to` and sets `fields`, only if its status is one of `from`.
   * Returns the updated task, or undefined when the condition did not hold.
   */
  transition(
    importId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    fields?: Partial<TaskRecord>,
    /** Fields that must not be set yet for the move to happen (a claim that only one caller wins). */
    unset?: readonly (keyof TaskRecord)[],
  ): Promise<TaskRecord | undefined>;
  /** Sets fields without a status condition (only for fields no other step races on). */
  update(importId: string, fields: Partial<TaskRecord>): Promise<void>;
  /**
   * Adds one chunk's counts to the task exactly once: a chunk already counted changes nothing.
   * Returns whether this call counted it and the task as it now stands.
   */
  countChunk(
    importId: string,
    chunkIndex: number,
    counts: ChunkCounts,
  ): Promise<{ counted: boolean; task: TaskRecord }>;
  /**
   * Stores one chunk's outcome (summary and failed rows, compactly, keyed by its attempt), only if the
   * chunk has none yet: of a live attempt and a give-up, or two live attempts, the first stored stands and
   * the others read it. False when one was there.
   */
  putChunkResultIfAbsent(result: ChunkResult): Promise<boolean>;
  /** The attempt of each chunk's stored result (undefined: stored before attempts), for its report parts. */
  listChunkAttempts(importId: string): Promise<Map<number, string | undefined>>;
  getChunkResult(importId: string, chunkIndex: number): Promise<ChunkResult | undefined>;
  /** Row errors of an import in row order, paged. */
  listRowErrors(importId: string, limit: number, after?: Record<string, unknown>): Promise<Page<RowError>>;
  /**
   * A fix import's rows (DESIGN §10): the parent's row number of each row of its file, in file order
   * (`rows[i]` is file row i + 2). Written before its file, read by the stages that report rows.
   */
  putRowNumbers(importId: string, rows: readonly number[]): Promise<void>;
  getRowNumbers(importId: string): Promise<number[] | undefined>;
  /** Records the rows (the parent's numbers) that fix import `fixImportId` imported, on one of its ancestors. */
  putFixedRows(importId: string, fixImportId: string, rows: readonly number[]): Promise<void>;
  /** The rows of an import that its fixes imported, each with the first fix (by id) that did. */
  listFixedRows(importId: string): Promise<Map<number, string>>;
  /** Adds a fix import to an import's `fixImportIds`, once. */
  addFixImport(importId: string, fixImportId: string): Promise<void>;
}

/** A task not in a final status, with the account it belongs to. */
export interface OpenTask {
  account: AccountId;
  task: TaskRecord;
}

/** The open tasks of every account, for the watchdog alone. */
export interface OpenTaskIndex {
  /** Tasks not in a final status (a sparse index holds only those), oldest first, paged. */
  listOpen(limit: number, after?: Record<string, unknown>): Promise<Page<OpenTask>>;
}

export interface RecordOrigin {
  importId: string;
  rowNumber: number;
}

/** How an insert-only write went: written now, written earlier by this same row (a retry), or taken. */
export type InsertOutcome = 'inserted' | 'already-ours' | 'exists';

/** One record of an insert-only batch. */
export interface RecordInsert {
  key: string;
  data: Record<string, unknown>;
  origin: RecordOrigin;
}

/**
 * How one record of a batched insert went; 'unprocessed' means the store did not take it this time
 * (throttled) and the write should be tried again.
 */
export type BatchInsertOutcome = InsertOutcome | 'unprocessed';

/** How an upsert went: the key was new, or its record was replaced. */
export type UpsertOutcome = 'created' | 'updated';

export interface StoredRecord {
  key: string;
  data: Record<string, unknown>;
  importId: string;
  rowNumber: number;
  createdAt: string;
  updatedAt: string;
}

export interface RecordStore {
  insert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<InsertOutcome>;
  /**
   * Insert-only writes of many records with distinct keys, each as exact as `insert`; the outcomes come
   * in the order given. Far fewer store requests than one `insert` per record.
   */
  insertBatch(templateId: string, records: readonly RecordInsert[]): Promise<BatchInsertOutcome[]>;
  /**
   * Writes a record whatever is there, keeping what it replaces (for undo); says whether it created the
   * record or updated one. A retry of the same row's write changes nothing and answers as the first did.
   */
  upsert(
    templateId: string,
    key: string,
    data: Record<string, unknown>,
    origin: RecordOrigin,
  ): Promise<UpsertOutcome>;
  /**
   * Who wrote each key, read consistently: its origin, or null when no record has the key. Keys the store
   * did not read this time (throttled) are absent from the map.
   */
  owners(templateId: string, keys: readonly string[]): Promise<Map<string, RecordOrigin | null>>;
  list(templateId: string, limit: number, after?: Record<string, unknown>): Promise<Page<StoredRecord>>;
}

export interface MessageQueue<Message> {
  /** Sends messages (batched as the queue allows); throws if any could not be sent. */
  send(messages: readonly Message[]): Promise<void>;
}

/**
 * The imports of one account holding a slot (validating or processing), and those waiting for one: one
 * item per account, changed by conditional writes only, so no more than the limit ever hold a slot.
 */
export interface ImportSlots {
  read(): Promise<{ running: string[]; waiting: string[]; limit?: number }>;
  /** True when `importId` holds a slot now: it did already, or fewer than `limit` were held. */
  take(importId: string, limit: number): Promise<boolean>;
  /** Records `importId` as waiting for a slot. */
  wait(importId: string): Promise<void>;
  /** Gives back the slots of these imports (ended ones); returns the imports still waiting. */
  release(importIds: readonly string[]): Promise<string[]>;
  /** The operator's limit for this account (undefined: the deployment's default). */
  setLimit(limit: number | undefined): Promise<void>;
}

/**
 * Which account holds each import address (DESIGN §11): one item per address, written conditionally, so
 * two accounts can never both hold one. Mail is routed by it.
 */
export interface AddressRegistry {
  /** The account holding each of these addresses (lower case); addresses nobody holds are absent. */
  owners(addresses: readonly string[]): Promise<Map<string, AccountId>>;
  /**
   * Takes `address` for `account`: true when it is now the account's (it was free, or already its own),
   * false when another account holds it. A claim whose account's settings do not list the address (a
   * save that died half way), once older than a grace period, is taken over.
   */
  claim(address: string, account: AccountId): Promise<boolean>;
  /** Gives an address back, only if `account` holds it. */
  release(address: string, account: AccountId): Promise<void>;
}

/** Account-wide settings kept in the state table. */
export interface SettingsStore {
  /** The saved Email Import Settings, or undefined when none were ever saved. */
  getEmailSettings(): Promise<EmailSettings | undefined>;
  putEmailSettings(settings: EmailSettings): Promise<void>;
}

/** An account's saved mappings (DESIGN §9), per template and header. */
export interface MappingStore {
  list(templateId: string): Promise<SavedMapping[]>;
  get(templateId: string, mappingId: string): Promise<SavedMapping | undefined>;
  /** Saves (or replaces) the mapping of its template and header. */
  put(mapping: SavedMapping): Promise<void>;
  /** Removes a saved mapping; false when there was none. */
  delete(templateId: string, mappingId: string): Promise<boolean>;
}

/** Received messages and the claim on their one reply. */
export interface EmailMessageStore {
  /** Records a received message; false when it is already recorded (a redelivery). */
  create(message: EmailMessage): Promise<boolean>;
  get(messageId: string): Promise<EmailMessage | undefined>;
  /**
   * Claims the right to send the message's reply: true for exactly one caller. A reply already sent is
   * never claimed again; a claim taken before `staleBefore` (its sender died) may be taken over.
   */
  claimReply(messageId: string, claimedAt: string, staleBefore: string): Promise<boolean>;
  /** Records the reply as sent, under the claim taken at `claimedAt`. */
  markReplySent(messageId: string, claimedAt: string, sentAt: string, replyMessageId: string): Promise<void>;
  /** Gives the claim back after a failed send, so a retry can claim it at once. */
  releaseReply(messageId: string, claimedAt: string): Promise<void>;
}

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailSender {
  /** Sends one message; resolves to the provider's message id. */
  send(mail: OutgoingMail): Promise<string>;
}
