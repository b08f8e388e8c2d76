/** The part of dynalite's API the local stack uses (the package ships no types). */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB directory; in memory when absent. */
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
    debug?: boolean;
  }

  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

/**
 * dynalite's store, as the internals below take it: mostly opaque, handed back to dynalite's own actions
 * and validations. Global because `dynalite/db` exports one object (`export =`) and so cannot export types.
 */
interface DynaliteStore {
  /** The LevelDB handle every table and index reads through (see `local/emulators/dynalite-iterators.ts`). */
  db: import('../emulators/dynalite-iterators').IteratingLevel;
  /** Calls back with the table's description (a 400 DynaliteError when it does not exist). */
  getTable(
    name: string,
    callback: (
      error: DynaliteError | null | undefined,
      table?: { KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] },
    ) => void,
  ): void;
}

/** dynalite's errors carry the HTTP status and the JSON body DynamoDB would answer with. */
interface DynaliteError extends Error {
  statusCode?: number;
  body?: { __type?: string; message?: string };
}

/**
 * dynalite's internals that `local/emulators/dynamodb-statements.ts` drives directly: the store behind a server and
 * the PutItem action with its request validation, so statements get exactly dynalite's own semantics.
 */
declare module 'dynalite/db' {
  interface DynaliteDb {
    create(options?: object): DynaliteStore;
  }
  const db: DynaliteDb;
  export = db;
}

declare module 'dynalite/actions/putItem' {
  function putItem(
    store: DynaliteStore,
    data: Record<string, unknown>,
    callback: (error: DynaliteError | null | undefined) => void,
  ): void;
  export = putItem;
}

declare module 'dynalite/validations' {
  /** Both throw a DynaliteError for a request DynamoDB would reject. */
  export function checkTypes(data: Record<string, unknown>, types: object): Record<string, unknown>;
  export function checkValidations(
    data: Record<string, unknown>,
    types: object,
    custom: (data: Record<string, unknown>, store: DynaliteStore) => string | undefined,
    store: DynaliteStore,
  ): void;
}

declare module 'dynalite/validations/putItem' {
  export const types: object;
  export function custom(data: Record<string, unknown>, store: DynaliteStore): string | undefined;
}
