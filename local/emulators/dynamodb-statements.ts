import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import putItem from 'dynalite/actions/putItem';
import { checkTypes, checkValidations } from 'dynalite/validations';
import { custom as putItemCustom, types as putItemTypes } from 'dynalite/validations/putItem';
import { z } from 'zod';

/**
 * The one PartiQL operation the record store needs, added to dynalite (which has no PartiQL):
 * `BatchExecuteStatement` with parameterised `INSERT INTO "table" VALUE {'name': ?, …}` statements.
 *
 * On DynamoDB an INSERT fails with `DuplicateItem` when an item with the same primary key exists, and a
 * batch answers per statement: that is an exact insert-only write for 25 records in one request, where
 * `PutItem` with a condition needs one request per record. Each statement here runs as dynalite's own
 * PutItem on the condition that no item has its hash key: same validation, same per-key lock, same
 * indexes, so two writers racing on one key still see exactly one win.
 */

export const BATCH_EXECUTE_TARGET = 'DynamoDB_20120810.BatchExecuteStatement';
/** DynamoDB's limit on statements per BatchExecuteStatement call. */
export const MAX_BATCH_STATEMENTS = 25;

const INSERT = /^\s*INSERT\s+INTO\s+"([A-Za-z0-9_.-]{3,255})"\s+VALUE\s+\{(.*)\}\s*;?\s*$/is;
const PLACEHOLDER_FIELD = /^\s*'([^']+)'\s*:\s*\?\s*$/;

export class UnsupportedStatementError extends Error {
  constructor(detail: string) {
    super(
      `${detail}. The local DynamoDB emulator runs only parameterised INSERT statements ` +
        `(INSERT INTO "table" VALUE {'name': ?, ...}) in BatchExecuteStatement`,
    );
    this.name = 'UnsupportedStatementError';
  }
}

export interface InsertStatement {
  tableName: string;
  /** Attribute names in the order of their `?` placeholders. */
  attributes: readonly string[];
}

/** Reads one INSERT statement; anything the emulator does not run throws UnsupportedStatementError. */
export const parseInsertStatement = (statement: string): InsertStatement => {
  const known = parsedStatements.get(statement);
  if (known) return known;
  const parsed = readInsertStatement(statement);
  // Writers repeat one statement text with new parameters; a few distinct texts are all there is.
  if (parsedStatements.size >= MAX_PARSED_STATEMENTS) parsedStatements.clear();
  parsedStatements.set(statement, parsed);
  return parsed;
};

const MAX_PARSED_STATEMENTS = 64;
const parsedStatements = new Map<string, InsertStatement>();

const readInsertStatement = (statement: string): InsertStatement => {
  const match = INSERT.exec(statement);
  if (!match) throw new UnsupportedStatementError('Not an INSERT INTO "table" VALUE {...} statement');
  const [, tableName = '', body = ''] = match;
  const attributes = body.split(',').map((field) => {
    const name = PLACEHOLDER_FIELD.exec(field)?.[1];
    if (name === undefined) throw new UnsupportedStatementError(`Field ${field.trim()} is not 'name': ?`);
    return name;
  });
  if (new Set(attributes).size !== attributes.length) {
    throw new UnsupportedStatementError('An attribute appears twice in the item');
  }
  return { tableName, attributes };
};

const requestSchema = z.object({
  Statements: z
    .array(
      z.object({
        Statement: z.string().min(1).max(8192),
        Parameters: z.array(z.record(z.string(), z.unknown())).optional(),
      }),
    )
    .min(1)
    .max(MAX_BATCH_STATEMENTS),
});

interface StatementResponse {
  TableName?: string;
  Error?: { Code: string; Message: string };
}

/** What the HTTP layer answers: DynamoDB's JSON body and status. */
export interface BatchAnswer {
  status: number;
  body: { Responses: StatementResponse[] } | { __type: string; message: string };
}

const isDynaliteError = (error: unknown): error is DynaliteError =>
  error instanceof Error && typeof (error as DynaliteError).statusCode === 'number';

const validationAnswer = (message: string): BatchAnswer => ({
  status: 400,
  body: { __type: 'com.amazon.coral.validate#ValidationException', message },
});

/** DynamoDB's per-statement error code for what dynalite's PutItem reported. */
const statementError = (error: DynaliteError): StatementResponse['Error'] => {
  const type = error.body?.__type ?? '';
  const message = error.body?.message ?? error.message;
  if (type.endsWith('#ConditionalCheckFailedException')) {
    return { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table' };
  }
  if (type.endsWith('#ResourceNotFoundException')) return { Code: 'ResourceNotFound', Message: message };
  return { Code: 'ValidationError', Message: message };
};

const hashKeyOf = (store: DynaliteStore, tableName: string): Promise<string> =>
  new Promise((resolve, reject) => {
    store.getTable(tableName, (error, table) => {
      if (error) return reject(error);
      const hashKey = table?.KeySchema.find((key) => key.KeyType === 'HASH')?.AttributeName;
      if (hashKey === undefined) return reject(new Error(`Table ${tableName} has no hash key`));
      resolve(hashKey);
    });
  });

const runPutItem = (store: DynaliteStore, data: Record<string, unknown>): Promise<void> =>
  new Promise((resolve, reject) => {
    try {
      const typed = checkTypes(data, putItemTypes);
      checkValidations(typed, putItemTypes, putItemCustom, store);
      putItem(store, typed, (error) => (error ? reject(error) : resolve()));
    } catch (error) {
      reject(error);
    }
  });

/**
 * Runs a BatchExecuteStatement request body against a dynalite store. Statements are independent (as on
 * DynamoDB): each gets its own response, in request order.
 */
export const executeBatchStatements = async (
  store: DynaliteStore,
  request: unknown,
): Promise<BatchAnswer> => {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    return validationAnswer(
      `Statements must be a list of 1 to ${MAX_BATCH_STATEMENTS} {Statement, Parameters}: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  let inserts: { statement: InsertStatement; parameters: Record<string, unknown>[] }[];
  try {
    inserts = parsed.data.Statements.map(({ Statement, Parameters = [] }) => {
      const statement = parseInsertStatement(Statement);
      if (Parameters.length !== statement.attributes.length) {
        throw new UnsupportedStatementError(
          `The statement has ${statement.attributes.length} placeholders but ${Parameters.length} parameters`,
        );
      }
      return { statement, parameters: Parameters };
    });
  } catch (error) {
    if (error instanceof UnsupportedStatementError) return validationAnswer(error.message);
    throw error;
  }

  const hashKeys = new Map<string, Promise<string>>();
  const responses = await Promise.all(
    inserts.map(async ({ statement, parameters }): Promise<StatementResponse> => {
      const { tableName, attributes } = statement;
      try {
        let hashKey = hashKeys.get(tableName);
        if (!hashKey) {
          hashKey = hashKeyOf(store, tableName);
          hashKeys.set(tableName, hashKey);
        }
        const item = Object.fromEntries(attributes.map((name, index) => [name, parameters[index]]));
        await runPutItem(store, {
          TableName: tableName,
          Item: item,
          // The legacy form of attribute_not_exists(<hash key>): dynalite checks it without parsing an
          // expression, which cost more than the write itself.
          Expected: { [await hashKey]: { Exists: false } },
        });
        return { TableName: tableName };
      } catch (error) {
        if (!isDynaliteError(error)) throw error;
        return { TableName: tableName, Error: statementError(error) };
      }
    }),
  );
  return { status: 200, body: { Responses: responses } };
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const send = (res: ServerResponse, answer: BatchAnswer, contentType: string): void => {
  const body = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader('content-type', contentType);
  // DynamoDB signs every response body with a CRC32; SDKs may check it.
  res.setHeader('x-amz-crc32', String(crc32(body)));
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
};

const answerBatchStatements = async (store: DynaliteStore, req: IncomingMessage, res: ServerResponse) => {
  const contentType = req.headers['content-type']?.split(';')[0]?.trim() || 'application/x-amz-json-1.0';
  let request: unknown;
  try {
    request = JSON.parse(await readBody(req));
  } catch {
    return send(
      res,
      { status: 400, body: { __type: 'com.amazon.coral.service#SerializationException', message: '' } },
      contentType,
    );
  }
  try {
    send(res, await executeBatchStatements(store, request), contentType);
  } catch (error) {
    send(
      res,
      {
        status: 500,
        body: {
          __type: 'com.amazon.coral.service#InternalFailure',
          message: error instanceof Error ? error.message : String(error),
        },
      },
      contentType,
    );
  }
};

/**
 * Routes BatchExecuteStatement requests of a dynalite server to `executeBatchStatements`; every other
 * request still goes to dynalite's own handler.
 */
export const addBatchStatements = (server: Server, store: DynaliteStore): void => {
  const dynaliteHandlers = server.listeners('request') as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.headers['x-amz-target'] === BATCH_EXECUTE_TARGET) {
      void answerBatchStatements(store, req, res);
      return;
    }
    for (const handler of dynaliteHandlers) handler(req, res);
  });
};
