import { PipelineError, PipelineErrorCode } from '../shared/pipeline-error';
import type { BatchInsertOutcome, InsertOutcome, RecordStore, UpsertOutcome } from '../shared/ports';
import type { TemplateDefinition } from '../shared/templates';

/**
 * Commits a chunk's valid rows: insert-only templates in batches (one store request per `batchSize`
 * records), upserts one by one; `concurrency` requests in flight either way. A store error is retried
 * with backoff; one that persists fails the whole chunk (and SQS redelivers it): a row is never reported
 * as failed because the store was down. Retried writes are safe because insert-only writes recognise their
 * own earlier write ('already-ours') and upserts rewrite the same value.
 */

export interface RetryPolicy {
  /** Tries per write, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled before each next one, with jitter. */
  baseDelayMs: number;
}

/**
 * Up to about 10 s of backoff (100 ms doubling, 8 tries): a new on-demand table takes 4,000 writes/s
 * before it scales, so throttled statements are normal at first and are waited out here rather than
 * failing the chunk into a redelivery a visibility timeout (12 minutes) later.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 100 };

export interface RowWrite {
  rowNumber: number;
  key: string;
  record: Record<string, unknown>;
}

/** Raised when the record store keeps failing: the chunk is retried as a whole. */
export class RecordStoreUnavailableError extends PipelineError {
  constructor(rowNumber: number, attempts: number, options: { cause: unknown }) {
    super(
      PipelineErrorCode.RECORD_STORE_UNAVAILABLE,
      `Writing row ${rowNumber} failed ${attempts} times; the chunk will be retried`,
      options,
    );
  }
}

export interface WriteInput {
  records: RecordStore;
  template: TemplateDefinition;
  importId: string;
  /** Store requests in flight at once. */
  concurrency: number;
  /** Records per insert request. */
  batchSize: number;
  retry: RetryPolicy;
}

/** How one row's write went: an insert-only template's outcome, or an upsert's. */
export type WriteOutcome = InsertOutcome | UpsertOutcome;

/** Writes every row; the outcome of each, in the order given. */
export const writeRecords = async (
  input: WriteInput,
  writes: readonly RowWrite[],
): Promise<WriteOutcome[]> => {
  const outcomes: WriteOutcome[] = new Array(writes.length);
  const indexes = writes.map((_, index) => index);
  if (input.template.mode === 'insert') {
    // A key met again waits for the pass after its first row's: the first row in the file wins.
    for (let pass = indexes; pass.length > 0; ) {
      const { firsts, repeats } = splitRepeatedKeys(writes, pass);
      const groups = inGroups(firsts, Math.max(1, input.batchSize));
      await runBounded(groups, input.concurrency, (group) =>
        insertGroupWithRetry(input, group, writes, outcomes),
      );
      pass = repeats;
    }
  } else {
    // Upserts have no batch form that keeps the original createdAt; as many rows in flight as batches hold.
    await runBounded(indexes, input.concurrency * Math.max(1, input.batchSize), async (index) => {
      const write = writes[index];
      if (!write) return;
      outcomes[index] = await withRetry(input.retry, write.rowNumber, () =>
        input.records.upsert(input.template.templateId, write.key, write.record, origin(input, write)),
      );
    });
  }
  return outcomes;
};

/** Keys per store read of a check: BatchGetItem's limit. */
export const CHECK_BATCH_KEYS = 100;

/**
 * What writing every row would do, read and never written (a check, DESIGN §10): the keys that may exist
 * are read in batches, `concurrency` reads in flight, and each row gets the outcome its write would have
 * had: `exists` for a taken key of an insert-only template, `created` or `updated` for an upsert.
 */
export const checkRecords = async (
  input: WriteInput,
  writes: readonly RowWrite[],
): Promise<WriteOutcome[]> => {
  const keys = [...new Set(writes.map((write) => write.key))];
  const taken = new Map<string, boolean>();
  const rowOfKey = new Map(writes.map((write) => [write.key, write.rowNumber]));
  await runBounded(inGroups(keys, CHECK_BATCH_KEYS), input.concurrency, (group) =>
    untilAnswered(
      input.retry,
      group,
      (key) => rowOfKey.get(key) ?? 0,
      async (pending) => {
        const owners = await input.records.owners(input.template.templateId, pending);
        for (const [key, owner] of owners) taken.set(key, owner !== null);
        return pending.filter((key) => !owners.has(key));
      },
      (left) => `${left} keys were left unread (throttled)`,
    ),
  );
  const insertOnly = input.template.mode === 'insert';
  // Within one chunk a key is written once (later rows with it are duplicates in the file), so the
  // store's answer is each row's.
  return writes.map((write): WriteOutcome => {
    const exists = taken.get(write.key) ?? false;
    if (insertOnly) return exists ? 'exists' : 'inserted';
    return exists ? 'updated' : 'created';
  });
};

const origin = (input: WriteInput, write: RowWrite) => ({
  importId: input.importId,
  rowNumber: write.rowNumber,
});

/** Indexes whose key is the first of its kind in this pass, and the rest (for a later pass). */
const splitRepeatedKeys = (writes: readonly RowWrite[], pass: readonly number[]) => {
  const seen = new Set<string>();
  const firsts: number[] = [];
  const repeats: number[] = [];
  for (const index of pass) {
    const key = writes[index]?.key ?? '';
    if (seen.has(key)) {
      repeats.push(index);
    } else {
      seen.add(key);
      firsts.push(index);
    }
  }
  return { firsts, repeats };
};

const inGroups = <T>(items: readonly T[], size: number): T[][] => {
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
};

/**
 * Inserts one group into `outcomes` (by index); rows the store leaves unprocessed (throttling) are sent
 * again after a backoff, and so is the whole rest of the group after an error.
 */
const insertGroupWithRetry = (
  input: WriteInput,
  group: readonly number[],
  writes: readonly RowWrite[],
  outcomes: WriteOutcome[],
): Promise<void> =>
  untilAnswered(
    input.retry,
    group,
    (index) => writes[index]?.rowNumber ?? 0,
    async (pending) => {
      const batch = pending.map((index) => {
        const write = writes[index];
        if (!write) throw new RangeError(`No write at ${index}`);
        return { key: write.key, data: write.record, origin: origin(input, write) };
      });
      const answers = await input.records.insertBatch(input.template.templateId, batch);
      const unprocessed: number[] = [];
      pending.forEach((index, position) => {
        const answer: BatchInsertOutcome | undefined = answers[position];
        if (answer === undefined || answer === 'unprocessed') unprocessed.push(index);
        else outcomes[index] = answer;
      });
      return unprocessed;
    },
    (left, sent) => `${left} of ${sent} inserts were left unprocessed (throttled)`,
  );

/**
 * Sends `items` until the store has answered each: `send` returns those it left unanswered (throttled),
 * which go again after a backoff, as does everything still pending after an error. After
 * `retry.attempts` tries it gives up, naming the row of the first item left.
 */
const untilAnswered = async <T>(
  retry: RetryPolicy,
  items: readonly T[],
  rowOf: (item: T) => number,
  send: (pending: readonly T[]) => Promise<readonly T[]>,
  unanswered: (left: number, sent: number) => string,
): Promise<void> => {
  let pending = items;
  for (let attempt = 1; ; attempt += 1) {
    let failure: unknown;
    try {
      const left = await send(pending);
      if (left.length === 0) return;
      failure = new Error(unanswered(left.length, pending.length));
      pending = left;
    } catch (error) {
      failure = error;
    }
    const first = pending[0];
    if (attempt >= retry.attempts)
      throw new RecordStoreUnavailableError(first === undefined ? 0 : rowOf(first), attempt, {
        cause: failure,
      });
    await backoff(retry, attempt);
  }
};

const withRetry = async <T>(retry: RetryPolicy, rowNumber: number, write: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= retry.attempts)
        throw new RecordStoreUnavailableError(rowNumber, attempt, { cause: error });
      await backoff(retry, attempt);
    }
  }
};

const backoff = (retry: RetryPolicy, attempt: number): Promise<void> => {
  const delay = retry.baseDelayMs * 2 ** (attempt - 1);
  return new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
};

/**
 * Runs `work` on every item with at most `concurrency` in flight. After a failure no new item starts;
 * the ones in flight finish, then the first failure is raised.
 */
const runBounded = async <T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> => {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next];
      next += 1;
      if (item === undefined) continue;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
};
