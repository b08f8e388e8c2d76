import type { Server } from 'node:http';
import dynalite from 'dynalite';

import dynaliteDb = require('dynalite/db');

import { z } from 'zod';
import { closeServer, listen } from '../servers/servers';
import { closeIteratorsAtEnd } from './dynalite-iterators';
import { addBatchStatements } from './dynamodb-statements';

/**
 * The DynamoDB emulator of the local stack, run as a process of its own (see `dynamodb-process.ts`):
 * dynalite on LevelDB, plus the BatchExecuteStatement inserts of `dynamodb-statements.ts`.
 */

/**
 * A dynalite server with batch statements and queries that close their LevelDB iterators. dynalite does
 * not expose its store, and the statements must run on that very store (its per-key locks make
 * conditional writes exact), so the store is captured while dynalite creates it.
 */
export const createDynamoServer = (path?: string): Server => {
  const create = dynaliteDb.create;
  let store: DynaliteStore | undefined;
  dynaliteDb.create = (options) => {
    store = create(options);
    return store;
  };
  try {
    const server = dynalite({
      ...(path ? { path } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    if (!store) throw new Error('dynalite did not create its store through dynalite/db');
    closeIteratorsAtEnd(store.db);
    addBatchStatements(server, store);
    return server;
  } finally {
    dynaliteDb.create = create;
  }
};

/** What the parent sends and expects over the IPC channel. */
export const childMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready'), port: z.number().int() }),
  z.object({ kind: z.literal('failed'), message: z.string() }),
]);
export type ChildMessage = z.infer<typeof childMessageSchema>;
export const STOP_MESSAGE = 'stop';

const main = async () => {
  const options = z
    .object({ path: z.string().min(1), port: z.coerce.number().int().min(0).max(65535) })
    .parse({ path: process.argv[2], port: process.argv[3] });
  const tell = (message: ChildMessage) => process.send?.(message);
  const server = createDynamoServer(options.path);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // dynalite's close waits for pending LevelDB operations, so nothing written is lost.
    await closeServer(server).catch((error: unknown) => {
      process.stderr.write(`dynamodb emulator: close failed: ${String(error)}\n`);
    });
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === STOP_MESSAGE) void stop();
  });
  // The stack process went away without stopping us (killed): do not outlive it holding the LevelDB lock.
  process.on('disconnect', () => void stop());
  // Ctrl-C and a stop signal reach the whole process group; the stack stops this process itself, after the
  // handlers that write to it, so the signals are left to the stack.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  try {
    tell({ kind: 'ready', port: await listen(server, options.port) });
  } catch (error) {
    tell({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
};

if (require.main === module) void main();
