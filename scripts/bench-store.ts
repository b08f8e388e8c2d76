import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse';
import { CHECK_BATCH_KEYS } from '../lambdas/process-chunk/write-records';
import { DEFAULT_ACCOUNT } from '../lambdas/shared/account';
import { DynamoRecordStore, recordItem } from '../lambdas/shared/adapters/dynamo-record-store';
import { cellValue } from '../lambdas/shared/csv-cells';
import type { RecordInsert } from '../lambdas/shared/ports';
import { RECORDS_TABLE } from '../lambdas/shared/resource-definitions';
import { findTemplate, validateRow } from '../lambdas/shared/templates';
import { LOCAL_CREDENTIALS } from '../local/clients';
import { startDynamoProcess } from '../local/emulators/dynamodb-process';
import { createTableInput } from '../local/resources';
import { processCpuSeconds } from './bench-cpu-share';
import type { BenchFile } from './bench-data';

/**
 * The store's raw write rate on this machine: the local DynamoDB emulator, in its own process as the stack
 * runs it, fed the file's own records as fast as one client can, with nothing else running. Three
 * patterns on fresh tables: the shipped one (RecordStore.insertBatch: PartiQL INSERTs, exact), plain
 * BatchWriteItem (no conditions: the store's ceiling, not exact), and a conditional PutItem per record
 * (exact, the pattern before batching). Then the batch-read rate a check is bounded by: the shipped read of
 * who wrote each key (RecordStore.owners, 100 keys per BatchGetItem, consistent) over the records just
 * written, as many reads in flight as the writes had.
 */

export interface StoreRate {
  pattern: 'insertBatch' | 'batchWriteItem' | 'conditionalPutItem' | 'batchRead';
  items: number;
  seconds: number;
  itemsPerSecond: number;
  /** Client CPU per item (this process), microseconds. */
  clientMicros: number;
  /** The emulator process's CPU per item (all its threads), microseconds, where /proc tells. */
  emulatorMicros?: number;
  /** Emulator process peak resident memory so far, MB. */
  emulatorRssMb: number | undefined;
}

export interface StoreOptions {
  items: number;
  /** Records per request (the shipped WRITE_BATCH_SIZE). */
  batchSize: number;
  /** Requests in flight (the pipeline's: chunk workers × WRITE_CONCURRENCY). */
  inFlight: number;
  /** Records for the (slow) one-request-per-record pattern. */
  putItems: number;
}

/** The first `count` valid records of the file, as process-chunk would write them. */
const readRecords = async (file: BenchFile, count: number): Promise<RecordInsert[]> => {
  const template = findTemplate('users');
  if (!template) throw new Error('The users template is missing');
  const columns = template.columns.map((column) => column.name);
  const records: RecordInsert[] = [];
  const seen = new Set<string>();
  let rowNumber = 1;
  const source = createReadStream(file.path);
  const parser = source.pipe(
    parse({ record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, from_line: 2 }),
  );
  for await (const cells of parser as AsyncIterable<string[]>) {
    rowNumber += 1;
    const values: Record<string, string | undefined> = {};
    columns.forEach((column, index) => {
      const value = cellValue(cells[index] ?? '', false);
      values[column] = value === '' ? undefined : value;
    });
    const outcome = validateRow(template, values);
    if (!outcome.ok || seen.has(outcome.key)) continue;
    seen.add(outcome.key);
    records.push({ key: outcome.key, data: outcome.record, origin: { importId: 'bench-store', rowNumber } });
    if (records.length >= count) break;
  }
  parser.destroy();
  source.destroy();
  return records;
};

interface Timed {
  seconds: number;
  clientMicros: number;
  emulatorMicros?: number;
}

/**
 * Runs `send` over groups of `size` records with `inFlight` groups at once; returns the elapsed seconds
 * and the CPU per record of this process and of the emulator's.
 */
const timeGroups = async (
  records: readonly RecordInsert[],
  size: number,
  inFlight: number,
  emulatorPid: number,
  send: (group: readonly RecordInsert[]) => Promise<void>,
): Promise<Timed> => {
  const emulatorBefore = await processCpuSeconds(emulatorPid);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < records.length) {
        const group = records.slice(next, next + size);
        next += size;
        await send(group);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const emulatorAfter = await processCpuSeconds(emulatorPid);
  return {
    seconds,
    clientMicros: (used.user + used.system) / records.length,
    ...(emulatorBefore !== undefined && emulatorAfter !== undefined
      ? { emulatorMicros: ((emulatorAfter - emulatorBefore) * 1e6) / records.length }
      : {}),
  };
};

export const measureStore = async (file: BenchFile, options: StoreOptions): Promise<StoreRate[]> => {
  const records = await readRecords(file, options.items);
  const dir = await mkdtemp(join(tmpdir(), 'bulk-imports-bench-store-'));
  const emulator = await startDynamoProcess(dir, 0);
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );
  const freshTable = async (name: string) => {
    await db.send(new CreateTableCommand(createTableInput(RECORDS_TABLE, name)));
    return name;
  };
  const rate = async (pattern: StoreRate['pattern'], items: number, timed: Timed): Promise<StoreRate> => ({
    pattern,
    items,
    ...timed,
    itemsPerSecond: items / timed.seconds,
    emulatorRssMb: await emulator.peakRssMb(),
  });
  try {
    const rates: StoreRate[] = [];

    const store = new DynamoRecordStore(db, await freshTable('bench-insert-batch'), DEFAULT_ACCOUNT);
    rates.push(
      await rate(
        'insertBatch',
        records.length,
        await timeGroups(records, options.batchSize, options.inFlight, emulator.pid, async (group) => {
          const outcomes = await store.insertBatch('users', group);
          if (outcomes.some((outcome) => outcome !== 'inserted'))
            throw new Error(`Not all inserted: ${outcomes}`);
        }),
      ),
    );

    rates.push(
      await rate(
        'batchRead',
        records.length,
        await timeGroups(records, CHECK_BATCH_KEYS, options.inFlight, emulator.pid, async (group) => {
          const owners = await store.owners(
            'users',
            group.map((record) => record.key),
          );
          if (owners.size !== group.length) throw new Error(`Read ${owners.size} of ${group.length} keys`);
        }),
      ),
    );

    const batchTable = await freshTable('bench-batch-write');
    const now = new Date().toISOString();
    rates.push(
      await rate(
        'batchWriteItem',
        records.length,
        await timeGroups(records, 25, options.inFlight, emulator.pid, async (group) => {
          let requests: { PutRequest: { Item: Record<string, unknown> } }[] = group.map((record) => ({
            PutRequest: {
              Item: recordItem(DEFAULT_ACCOUNT, 'users', record.key, record.data, record.origin, now),
            },
          }));
          while (requests.length > 0) {
            const out = await db.send(new BatchWriteCommand({ RequestItems: { [batchTable]: requests } }));
            requests = (out.UnprocessedItems?.[batchTable] ?? []).flatMap((request) =>
              request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
            );
          }
        }),
      ),
    );

    const putStore = new DynamoRecordStore(db, await freshTable('bench-put-item'), DEFAULT_ACCOUNT);
    const putRecords = records.slice(0, options.putItems);
    rates.push(
      await rate(
        'conditionalPutItem',
        putRecords.length,
        // As many single writes in flight as the batches above had records in flight.
        await timeGroups(
          putRecords,
          1,
          options.inFlight * options.batchSize,
          emulator.pid,
          async ([record]) => {
            if (!record) return;
            const outcome = await putStore.insert('users', record.key, record.data, record.origin);
            if (outcome !== 'inserted') throw new Error(`Not inserted: ${outcome}`);
          },
        ),
      ),
    );
    return rates;
  } finally {
    db.destroy();
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
};
