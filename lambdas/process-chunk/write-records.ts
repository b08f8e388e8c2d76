import type { InsertOutcome, RecordStore } from '../shared/ports';
import type { TemplateDefinition } from '../shared/templates';

/**
 * Commits a chunk's valid rows with bounded concurrency. A store error is retried with backoff; one that
 * persists fails the whole chunk (and SQS redelivers it): a row is never reported as failed because the
 * store was down. Retried writes are safe because insert-only writes recognise their own earlier write
 * ('already-ours') and upserts rewrite the same value.
 */

export interface RetryPolicy {
  /** Tries per write, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled before each next one, with jitter. */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 100 };

export interface RowWrite {
  rowNumber: number;
  key: string;
  record: Record<string, unknown>;
}

/** Raised when the record store keeps failing: the chunk is retried as a whole. */
export class RecordStoreUnavailableError extends Error {
  readonly code = 'RECORD_STORE_UNAVAILABLE';
  constructor(rowNumber: number, attempts: number, options: { cause: unknown }) {
    super(`Writing row ${rowNumber} failed ${attempts} times; the chunk will be retried`, options);
    this.name = 'RecordStoreUnavailableError';
  }
}

export interface WriteInput {
  records: RecordStore;
  template: TemplateDefinition;
  importId: string;
  concurrency: number;
  retry: RetryPolicy;
}

/** Writes every row; the outcome of each, in the order given (upserts always count as 'inserted'). */
export const writeRecords = async (
  input: WriteInput,
  writes: readonly RowWrite[],
): Promise<InsertOutcome[]> => {
  const outcomes: InsertOutcome[] = new Array(writes.length);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < writes.length) {
      const index = next;
      next += 1;
      const write = writes[index];
      if (!write) continue;
      try {
        outcomes[index] = await writeWithRetry(input, write);
      } catch (error) {
        // Stop taking rows; the writes already in flight finish before the error is raised.
        failure ??= error;
      }
    }
  };
  const workers = Math.max(1, Math.min(input.concurrency, writes.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure;
  return outcomes;
};

const writeWithRetry = async (input: WriteInput, write: RowWrite): Promise<InsertOutcome> => {
  const origin = { importId: input.importId, rowNumber: write.rowNumber };
  for (let attempt = 1; ; attempt += 1) {
    try {
      if (input.template.mode === 'insert') {
        return await input.records.insert(input.template.templateId, write.key, write.record, origin);
      }
      await input.records.upsert(input.template.templateId, write.key, write.record, origin);
      return 'inserted';
    } catch (error) {
      if (attempt >= input.retry.attempts) {
        throw new RecordStoreUnavailableError(write.rowNumber, attempt, { cause: error });
      }
      const delay = input.retry.baseDelayMs * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
    }
  }
};
