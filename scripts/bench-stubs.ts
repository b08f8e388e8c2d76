import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { ChunkResult, TaskRecord } from '../lambdas/shared/model';
import { TaskStatus } from '../lambdas/shared/model';
import { uploadKey } from '../lambdas/shared/object-keys';
import type {
  BatchInsertOutcome,
  ChunkCounts,
  ObjectStore,
  Page,
  RecordStore,
  StoredRecord,
  TaskStore,
} from '../lambdas/shared/ports';

/**
 * The stores the CPU measurement stubs out: objects come from the local file and writes go nowhere, so
 * what is timed is validate-file's and process-chunk's own work. The tests' fakes (`test/helpers/fakes.ts`,
 * whose queue the bench uses too) keep everything written, which over 2 million rows would time the fakes.
 */

export const BENCH_IMPORT_ID = 'bench-import';
export const BENCH_FILE_NAME = 'bench-users.csv';
export const benchObjectKey = uploadKey(BENCH_IMPORT_ID, BENCH_FILE_NAME);

const unused = (what: string) => () => Promise.reject(new Error(`The CPU bench does not use ${what}`));

/** Reads the benchmark file under any key; accepts and forgets every write. Close it when done. */
export const fileObjectStore = async (
  path: string,
  size: number,
  /** Chunk manifests, kept in memory as written (and handed to the worker threads). */
  manifests: Map<string, Buffer> = new Map(),
): Promise<{ objects: ObjectStore; manifests: Map<string, Buffer>; close(): Promise<void> }> => {
  const file = await open(path);
  const objects: ObjectStore = {
    head: async (key) => ({ size: manifests.get(key)?.length ?? size }),
    getRange: async (key, start, end) => {
      const manifest = manifests.get(key);
      if (manifest) return manifest.subarray(start, end);
      const buffer = Buffer.allocUnsafe(end - start);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, start);
      return buffer.subarray(0, bytesRead);
    },
    getStream: async (_key, start = 0) => createReadStream(path, { start, highWaterMark: 1 << 20 }),
    put: async (key, body) => {
      // Report parts are dropped; a manifest is kept, since the chunk workers read their plans from it.
      if (key.endsWith('/manifest.json')) manifests.set(key, Buffer.from(body));
    },
    upload: async (_key: string, body: Readable) => {
      for await (const _piece of body) {
        // Drained, not kept: the bench file is UTF-8 already, so nothing is transcoded.
      }
    },
    delete: async () => undefined,
    copy: unused('copies'),
    createMultipartUpload: unused('multipart uploads'),
    presignUploadPart: unused('presigning'),
    completeMultipartUpload: unused('multipart uploads'),
    abortMultipartUpload: unused('multipart uploads'),
    presignGet: unused('presigning'),
  };
  return { objects, manifests, close: () => file.close() };
};

/** One task that moves through its statuses in memory; chunk results are counted, not kept. */
export class MemoryTaskStore implements TaskStore {
  constructor(private task: TaskRecord) {}

  static forFile(size: number, reading: Partial<TaskRecord> = {}): MemoryTaskStore {
    return new MemoryTaskStore({
      importId: BENCH_IMPORT_ID,
      templateId: 'users',
      fileName: BENCH_FILE_NAME,
      source: 'upload',
      status: TaskStatus.PENDING,
      createdBy: 'bench',
      createdAt: new Date().toISOString(),
      processedRows: 0,
      successCount: 0,
      errorCount: 0,
      objectKey: benchObjectKey,
      fileSize: size,
      ...reading,
    });
  }

  async create(): Promise<boolean> {
    return false;
  }
  async get(): Promise<TaskRecord | undefined> {
    return this.task;
  }
  async list(): Promise<Page<TaskRecord>> {
    return { items: [this.task] };
  }
  async transition(
    _importId: string,
    from: readonly TaskStatus[],
    to: TaskStatus,
    fields: Partial<TaskRecord> = {},
  ): Promise<TaskRecord | undefined> {
    if (!from.includes(this.task.status)) return undefined;
    this.task = { ...this.task, ...fields, status: to };
    return this.task;
  }
  async update(_importId: string, fields: Partial<TaskRecord>): Promise<void> {
    this.task = { ...this.task, ...fields };
  }
  async countChunk(_importId: string, _chunkIndex: number, counts: ChunkCounts) {
    this.task = {
      ...this.task,
      processedRows: this.task.processedRows + counts.rows,
      successCount: this.task.successCount + counts.success,
      errorCount: this.task.errorCount + counts.errors,
      chunksDone: (this.task.chunksDone ?? 0) + 1,
    };
    return { counted: true, task: this.task };
  }
  async listChunkAttempts(): Promise<Map<number, string | undefined>> {
    return new Map();
  }
  async putChunkResultIfAbsent(_result: ChunkResult): Promise<boolean> {
    return true;
  }
  async listOpen(): Promise<Page<TaskRecord>> {
    return { items: [this.task] };
  }
  async getChunkResult(): Promise<ChunkResult | undefined> {
    return undefined;
  }
  async listRowErrors(): Promise<Page<never>> {
    return { items: [] };
  }

  // The bench imports one file, never a fix of one: there are no row numbers or fixes to keep.
  async putRowNumbers(): Promise<void> {
    throw new Error('The bench does not import fixes');
  }

  async getRowNumbers(): Promise<undefined> {
    return undefined;
  }

  async putFixedRows(): Promise<void> {
    throw new Error('The bench does not import fixes');
  }

  async listFixedRows(): Promise<Map<number, string>> {
    return new Map();
  }

  async addFixImport(): Promise<void> {
    throw new Error('The bench does not import fixes');
  }
}

/** Every insert succeeds at once: the store's cost is measured on its own, by the store bench. */
export const acceptingRecordStore: RecordStore = {
  insert: async () => 'inserted',
  insertBatch: async (_templateId, records) => records.map((): BatchInsertOutcome => 'inserted'),
  upsert: async () => 'created',
  owners: async () => new Map(),
  list: async (): Promise<Page<StoredRecord>> => ({ items: [] }),
};

export const silentLogger = { info: () => undefined, warn: () => undefined };
