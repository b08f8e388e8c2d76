/**
 * `npm run chaos`: at-least-once delivery and crashes, end to end, on the real local stack.
 *
 *   npm run chaos -- [--seed N] [--rows 200000] [--kills 10] [--concurrent 10] [--concurrent-rows 4000]
 *
 * 1. A deterministic users file (known invalid rows and in-file duplicates) is imported through the API and
 *    presigned multipart PUTs, as the console does, while the whole stack (its process group) is SIGKILLed
 *    at seeded random moments in upload, validate, process and finalize, and restarted on the same data dir.
 * 2. The import must end exact: status, counts, every row's error type, the results report, and the records
 *    in the store that name this import (read from the DynamoDB endpoint) row for row.
 * 3. The same file imported again: every valid row ALREADY_EXISTS, nothing new committed.
 * 4. Several imports started at once, whose files share keys: exactly one import wins each shared key.
 * Two accounts do all of it at once (DESIGN §11): the main file is imported in both through the same kills,
 * and the concurrent files alternate between them, so every key is committed exactly once in each account.
 * Prints a summary line and exits non-zero on any mismatch. The seed is printed so a run can be repeated.
 * `survived` counts the kills after which the restarted stack still brought the import to its final status;
 * `exact` says whether it (and the re-import) came out exact row for row.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { type ApiClient, ApiError } from '../client/api-client';
import type { CreatedImport } from '../client/schemas';
import { putFileParts, putPart, type StoredPart, type UploadPlan } from '../client/upload-parts';
import { isFinalStatus, type Task } from '../lambdas/shared/model';
import { LOCAL_CREDENTIALS } from '../local/clients';
import { LOCAL_TABLES } from '../local/resources';
import { LocalStack } from '../test/helpers/local-stack';
import { parseOptions, readArgs } from './args';
import { checkImport, type ObservedImport, type RecordOwner, readResultStatuses } from './chaos-check';
import {
  type ChaosFile,
  generateChaosFile,
  type KillPhase,
  type PlannedKill,
  planKills,
  seededRandom,
} from './chaos-data';

const text = { type: 'string' } as const;
const { values: flags } = readArgs(
  {
    options: { seed: text, rows: text, kills: text, concurrent: text, 'concurrent-rows': text },
  },
  'npm run chaos -- [--seed S] [--rows N] [--kills N] [--concurrent N] [--concurrent-rows N]',
);

const options = parseOptions(
  z.object({
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    rows: z.coerce.number().int().min(1).max(2_000_000),
    kills: z.coerce.number().int().min(0).max(50),
    concurrent: z.coerce.number().int().min(0).max(20),
    concurrentRows: z.coerce.number().int().min(100).max(100_000),
  }),
  {
    seed: flags.seed ?? Math.floor(Math.random() * 2 ** 31),
    rows: flags.rows ?? 200_000,
    kills: flags.kills ?? 10,
    concurrent: flags.concurrent ?? 10,
    concurrentRows: flags['concurrent-rows'] ?? 4_000,
  },
  'npm run chaos -- [--seed S] [--rows N] [--kills N] [--concurrent N] [--concurrent-rows N]',
);

/**
 * Shorter visibility timeout than the shipped 30 s: a killed stack's in-flight messages come back sooner,
 * so ten kills fit in a few minutes. Live invocations keep extending it, so nothing is redelivered early.
 */
const STACK_ENV = { IMPORTS_VISIBILITY_TIMEOUT: '5' };
const INVALID_EVERY = 25;
const POLL_MS = 100;
const IMPORT_TIMEOUT_MS = 10 * 60_000;
const RETRY_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`chaos: ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Retries a call the kills may interrupt (connection refused or reset, a 5xx while the stack restarts). */
const persistently = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
  const deadline = Date.now() + RETRY_TIMEOUT_MS;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what} kept failing for ${seconds(RETRY_TIMEOUT_MS)}`, { cause: error });
      await sleep(250);
    }
  }
};

/** What the runs of both accounts share: the restart in progress and the kills so far. */
interface Restarts {
  restarting: Promise<void> | undefined;
  kills: { phase: KillPhase; seen: string; restartMs: number }[];
}

class ChaosRun {
  private token = '';

  constructor(
    readonly stack: LocalStack,
    readonly account: string,
    private readonly restarts: Restarts = { restarting: undefined, kills: [] },
  ) {}

  /** Another account's run on the same stack, waiting out the same restarts. */
  inAccount(account: string): ChaosRun {
    return new ChaosRun(this.stack, account, this.restarts);
  }

  get kills(): Restarts['kills'] {
    return this.restarts.kills;
  }

  async signIn(): Promise<void> {
    this.token = await persistently('sign-in', () => this.stack.token('admin', this.account));
  }

  /** SIGKILL on the stack's process group, then a start on the same data dir and ports. */
  async killAndRestart(phase: KillPhase, seen: string): Promise<void> {
    const began = performance.now();
    const restart = (async () => {
      await this.stack.kill();
      await this.stack.restart();
    })();
    this.restarts.restarting = restart;
    await restart;
    this.restarts.restarting = undefined;
    const restartMs = performance.now() - began;
    this.kills.push({ phase, seen, restartMs });
    log(`kill ${this.kills.length}: ${phase} (${seen}); restarted in ${seconds(restartMs)}`);
  }

  /**
   * An API call (a GET or an idempotent POST) retried through kills: connection refused or reset and 5xx
   * are the stack restarting; any other answer the API gives (a 4xx, a body it should not send) is final.
   */
  private call<T>(what: string, call: (api: ApiClient) => Promise<T>): Promise<T> {
    return persistently(what, async () => {
      try {
        return await call(this.api());
      } catch (error) {
        if (error instanceof ApiError && error.status > 0 && error.status < 500)
          throw new FatalError(error.message);
        throw error;
      }
    }).catch((error: unknown) => {
      throw error instanceof Error && error.cause instanceof FatalError ? error.cause : error;
    });
  }

  private api(): ApiClient {
    return this.stack.api(this.token);
  }

  async task(importId: string): Promise<Task> {
    return this.call(`GET import ${importId}`, (api) => api.getImport(importId));
  }

  /** Creates the import (not retried: a retry could create a second task) and returns its part URLs. */
  async create(file: ChaosFile, fileName: string, dryRun = false): Promise<CreatedImport> {
    return this.api().createImport({
      templateId: 'users',
      fileName,
      fileSize: file.bytes,
      ...(dryRun ? { dryRun } : {}),
    });
  }

  /** Commits a check: retried through kills, since a commit answers the same import when called again. */
  async commit(checkId: string): Promise<string> {
    return (await this.call(`commit ${checkId}`, (api) => api.commitCheck(checkId))).importId;
  }

  /** Cancels an import: retried through kills, since asking again while it is cancelled changes nothing. */
  async cancel(importId: string): Promise<Task> {
    return this.call(`cancel ${importId}`, (api) => api.cancelImport(importId));
  }

  /** PUTs every part (a few at once, as the console does), each retried until it is stored. */
  uploadParts(file: ChaosFile, upload: UploadPlan, onStored: () => void = () => {}): Promise<StoredPart[]> {
    return putFileParts(file.path, file.bytes, upload, {
      put: (part, body) => persistently(`PUT part ${part.partNumber}`, () => putPart(part, body)),
      onStored,
    });
  }

  async complete(importId: string, parts: StoredPart[]): Promise<void> {
    await this.call(`complete ${importId}`, (api) => api.completeUpload(importId, parts));
  }

  /** Uploads a file start to finish with no kills; returns the import id. */
  async importWithoutKills(file: ChaosFile, fileName: string, dryRun = false): Promise<string> {
    const { import: task, upload } = await this.create(file, fileName, dryRun);
    await this.complete(task.importId, await this.uploadParts(file, upload));
    return task.importId;
  }

  async waitForFinal(
    importId: string,
    onTask: (task: Task) => Promise<void> = async () => {},
  ): Promise<Task> {
    const deadline = Date.now() + IMPORT_TIMEOUT_MS;
    for (;;) {
      await this.restarts.restarting;
      const task = await this.task(importId);
      await onTask(task);
      if (isFinalStatus(task.status)) return task;
      if (Date.now() > deadline) {
        throw new Error(
          `Import ${importId} not final after ${seconds(IMPORT_TIMEOUT_MS)}: ${JSON.stringify(task)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** Everything the API and the reports say about an import, for the checks. */
  async observe(task: Task): Promise<ObservedImport> {
    const errors: { rowNumber: number; errorType: string }[] = [];
    let cursor: string | undefined;
    do {
      const after = cursor;
      const page = await this.call(`errors of ${task.importId}`, (api) =>
        api.listErrors(task.importId, 1000, after),
      );
      errors.push(...page.items.map(({ rowNumber, errorType }) => ({ rowNumber, errorType })));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const { url } = await this.call(`results link of ${task.importId}`, (api) =>
      api.link(task.importId, 'results'),
    );
    const response = await fetch(url);
    if (!response.ok) throw new Error(`results report of ${task.importId}: HTTP ${response.status}`);
    const rows: string[][] = parse(await response.text(), { bom: true, relax_column_count: true });
    const { statuses, repeated } = readResultStatuses(rows);
    return { task, errors, results: statuses, repeatedResultRows: repeated };
  }
}

class FatalError extends Error {}

/** Imports the main file while killing the stack at each planned moment; returns the final task. */
const importThroughKills = async (run: ChaosRun, file: ChaosFile, plan: PlannedKill[]): Promise<Task> => {
  const pending = [...plan];
  const next = (phase: KillPhase) => (pending[0]?.phase === phase ? pending.shift() : undefined);

  const { import: created, upload } = await run.create(file, 'chaos-users.csv');
  const importId = created.importId;
  log(`import ${importId}: ${upload.parts.length} parts of ${upload.partSize} bytes`);

  // Upload: the kill fires on a timer while parts are being PUT; interrupted PUTs retry after the restart.
  let stored = 0;
  const uploadKill = next('upload');
  let uploading = true;
  const killer = uploadKill
    ? sleep(uploadKill.at).then(() =>
        run.killAndRestart(
          'upload',
          uploading
            ? `${uploadKill.at} ms into the upload, ${stored} of ${upload.parts.length} parts stored`
            : `${uploadKill.at} ms after the upload began, all parts stored, completing`,
        ),
      )
    : Promise.resolve();
  const parts = await run.uploadParts(file, upload, () => {
    stored += 1;
  });
  uploading = false;
  await run.complete(importId, parts);
  await killer;

  // Validate: a delay after the upload is completed (the S3 event, then validate-file's pass).
  const validateKill = next('validate');
  if (validateKill) {
    await sleep(validateKill.at);
    const task = await run.task(importId);
    await run.killAndRestart(
      'validate',
      `${validateKill.at} ms after completing the upload, task ${describe(task)}`,
    );
  }

  let finalizeSeenAt: number | undefined;
  return run.waitForFinal(importId, async (task) => {
    const counted = task.totalRows !== undefined && task.processedRows >= task.totalRows;
    const upcoming = pending[0];
    if (!upcoming) return;
    if (upcoming.phase === 'process' && task.totalRows) {
      if (counted || task.processedRows >= upcoming.at * task.totalRows || isFinalStatus(task.status)) {
        pending.shift();
        await run.killAndRestart(
          'process',
          `aimed at ${(upcoming.at * 100).toFixed(1)}% counted, task ${describe(task)}`,
        );
      }
      return;
    }
    if (upcoming.phase === 'finalize' && (counted || isFinalStatus(task.status))) {
      finalizeSeenAt ??= performance.now();
      if (performance.now() - finalizeSeenAt < upcoming.at && !isFinalStatus(task.status)) return;
      pending.shift();
      await run.killAndRestart('finalize', `every row counted, task ${describe(task)}`);
    }
  });
};

/** Waits until at least `share` of the import's rows are counted (or it ended), then kills the stack. */
const killAtShare = async (run: ChaosRun, importId: string, share: number, what: string): Promise<void> => {
  for (;;) {
    const task = await run.task(importId);
    const counted = task.totalRows ? task.processedRows / task.totalRows : 0;
    if (isFinalStatus(task.status) || (task.status === 'PROCESSING' && counted >= share)) {
      await run.killAndRestart(
        'process',
        `${what} at ${(share * 100).toFixed(0)}% counted, task ${describe(task)}`,
      );
      return;
    }
    await sleep(POLL_MS);
  }
};

/**
 * DESIGN §10 through kills: a check of the file (killed while it reads the store), its commit (killed
 * while it writes), and an import cancelled part-way (killed just after the cancel and again later).
 * Returns the three final tasks.
 */
const checkCommitAndCancel = async (
  checking: ChaosRun,
  cancelling: ChaosRun,
  file: ChaosFile,
): Promise<{ check: Task; commit: Task; cancelled: Task }> => {
  const checkId = await checking.importWithoutKills(file, 'chaos-check.csv', true);
  await killAtShare(checking, checkId, 0.4, 'a check');
  const check = await checking.waitForFinal(checkId);
  log(`check ${checkId} ${describe(check)}`);
  const commitId = await checking.commit(checkId);
  await killAtShare(checking, commitId, 0.5, 'the commit of a check');
  const commit = await checking.waitForFinal(commitId);
  log(`commit ${commitId} of check ${checkId} ${describe(commit)}`);

  const cancelId = await cancelling.importWithoutKills(file, 'chaos-cancel.csv');
  for (;;) {
    const task = await cancelling.task(cancelId);
    if (task.totalRows && task.processedRows >= 0.3 * task.totalRows) break;
    await sleep(POLL_MS);
  }
  await cancelling.cancel(cancelId);
  await cancelling.killAndRestart('process', `just after cancelling ${cancelId}`);
  await killAtShare(cancelling, cancelId, 0.7, 'a cancelled import');
  const cancelled = await cancelling.waitForFinal(cancelId);
  log(
    `cancelled import ${cancelId} ${describe(cancelled)}, ${cancelled.successCount.toLocaleString('en-US')} imported before the cancel`,
  );
  return { check, commit, cancelled };
};

const describe = (task: Task): string =>
  `${task.status} ${task.processedRows.toLocaleString('en-US')}/${task.totalRows?.toLocaleString('en-US') ?? '?'} rows counted`;

/** Who committed each key, from the records table itself. */
const scanOwners = async (
  stack: LocalStack,
  account: string,
): Promise<{ owners: Map<string, RecordOwner>; byImport: Map<string, number> }> => {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${stack.ports.dynamo}`,
      credentials: LOCAL_CREDENTIALS,
    }),
  );
  const owners = new Map<string, RecordOwner>();
  const byImport = new Map<string, number>();
  try {
    let after: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: LOCAL_TABLES.records,
          ProjectionExpression: 'pk, #key, importId, rowNumber',
          ExpressionAttributeNames: { '#key': 'key' },
          ...(after ? { ExclusiveStartKey: after } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        // Each account's records only: its items are under its own partitions.
        if (!String(item.pk).startsWith(`ACCOUNT#${account}#`)) continue;
        const importId = String(item.importId);
        owners.set(String(item.key), { importId, rowNumber: Number(item.rowNumber) });
        byImport.set(importId, (byImport.get(importId) ?? 0) + 1);
      }
      after = page.LastEvaluatedKey;
    } while (after);
  } finally {
    client.destroy();
  }
  return { owners, byImport };
};

/** Keys each concurrent file shares: windows over one pool, so every shared key is in three files. */
const sharedWindows = (files: number, perFile: number): string[][] => {
  const step = Math.max(1, Math.floor(perFile / 3));
  const pool = Array.from({ length: step * files }, (_, index) => `shared.${index}@race.example`);
  return Array.from({ length: files }, (_, file) =>
    Array.from({ length: perFile }, (_, offset) => pool[(file * step + offset) % pool.length] as string),
  );
};

const main = async (): Promise<number> => {
  const random = seededRandom(options.seed);
  const plan = planKills(random, options.kills);
  log(`seed ${options.seed} (repeat with: npm run chaos -- --seed ${options.seed})`);
  log(
    `plan: ${plan.map((kill) => `${kill.phase}@${kill.phase === 'process' ? `${(kill.at * 100).toFixed(1)}%` : `${kill.at}ms`}`).join(' ')}`,
  );

  const workDir = await mkdtemp(join(tmpdir(), 'bulk-imports-chaos-'));
  const began = performance.now();
  const file = await generateChaosFile(join(workDir, 'chaos-users.csv'), {
    rows: options.rows,
    seed: options.seed,
    invalidEvery: INVALID_EVERY,
    tag: 'main',
  });
  log(`file: ${file.rows} rows, ${file.bytes} bytes, ${file.validRows} valid, ${file.invalidRows} invalid`);

  const stack = await LocalStack.start({ env: STACK_ENV });
  const acme = new ChaosRun(stack, 'acme');
  const runs = [acme, acme.inAccount('globex')] as const;
  let failed = false;
  try {
    for (const run of runs) await run.signIn();
    // The same file in both accounts at once, through the same kills.
    const [mainTask, otherMain] = await Promise.all([
      importThroughKills(acme, file, plan),
      (async () => {
        const importId = await runs[1].importWithoutKills(file, 'chaos-users.csv');
        return runs[1].waitForFinal(importId);
      })(),
    ]);
    const survived = acme.kills.length;
    log(
      `import ${mainTask.importId} (acme) ${describe(mainTask)} and ${otherMain.importId} (globex) ${describe(otherMain)} after ${acme.kills.length} kills (${seconds(performance.now() - began)})`,
    );
    const mains = [mainTask, otherMain] as const;
    const mainObserved = await Promise.all(runs.map((run, index) => run.observe(mains[index] as Task)));

    const again = await Promise.all(
      runs.map(async (run) => run.waitForFinal(await run.importWithoutKills(file, 'chaos-users-again.csv'))),
    );
    for (const [index, task] of again.entries())
      log(`re-import ${task.importId} (${runs[index]?.account}) ${describe(task)}`);
    const againObserved = await Promise.all(runs.map((run, index) => run.observe(again[index] as Task)));

    const windows = sharedWindows(options.concurrent, Math.floor(options.concurrentRows / 6));
    const racing = await Promise.all(
      windows.map((sharedKeys, index) =>
        generateChaosFile(join(workDir, `race-${index}.csv`), {
          rows: options.concurrentRows,
          seed: options.seed + index + 1,
          invalidEvery: INVALID_EVERY,
          tag: `race${index}`,
          sharedKeys,
          sharedShare: 0.5,
        }),
      ),
    );
    // The concurrent files alternate between the accounts: both race for the same keys, each in its own.
    const racer = (index: number): ChaosRun => runs[index % runs.length] as ChaosRun;
    const startedAt = performance.now();
    const racingIds = await Promise.all(
      racing.map((raceFile, index) => racer(index).importWithoutKills(raceFile, `chaos-race-${index}.csv`)),
    );
    const racingTasks = await Promise.all(
      racingIds.map((importId, index) => racer(index).waitForFinal(importId)),
    );
    log(
      `${racingTasks.length} concurrent imports in two accounts final in ${seconds(performance.now() - startedAt)}`,
    );
    const racingObserved: ObservedImport[] = [];
    for (const [index, task] of racingTasks.entries()) racingObserved.push(await racer(index).observe(task));

    const checking = acme.inAccount('initech');
    const cancelling = acme.inAccount('umbrella');
    await checking.signIn();
    await cancelling.signIn();
    const checkKills = acme.kills.length;
    const { check, commit, cancelled } = await checkCommitAndCancel(checking, cancelling, file);
    const checkObserved = await checking.observe(check);
    const commitObserved = await checking.observe(commit);
    const cancelObserved = await cancelling.observe(cancelled);
    const phaseKills = acme.kills.length - checkKills;

    const stores = new Map(
      await Promise.all(
        [...runs, checking, cancelling].map(
          async (run) => [run.account, await scanOwners(stack, run.account)] as const,
        ),
      ),
    );
    const storeOf = (run: ChaosRun) => stores.get(run.account) ?? { owners: new Map(), byImport: new Map() };
    const owned = (run: ChaosRun, importId: string) => storeOf(run).byImport.get(importId) ?? 0;
    const verdicts: { name: string; mismatches: string[] }[] = [
      ...runs.map((run, index) => {
        const task = mains[index] as Task;
        return {
          name: `import ${task.importId} (${run.account})`,
          ...checkImport(
            file,
            mainObserved[index] as ObservedImport,
            storeOf(run).owners,
            owned(run, task.importId),
            () => 'success',
          ),
        };
      }),
      ...runs.map((run, index) => {
        const task = again[index] as Task;
        return {
          name: `re-import ${task.importId} (${run.account})`,
          ...checkImport(
            file,
            againObserved[index] as ObservedImport,
            storeOf(run).owners,
            owned(run, task.importId),
            () => 'already-exists',
          ),
        };
      }),
      ...racing.map((raceFile, index) => {
        const observed = racingObserved[index] as ObservedImport;
        const run = racer(index);
        return {
          name: `concurrent import ${observed.task.importId} (${run.account})`,
          ...checkImport(
            raceFile,
            observed,
            storeOf(run).owners,
            owned(run, observed.task.importId),
            (_key, shared) => (shared ? 'race' : 'success'),
          ),
        };
      }),
    ];
    const phaseVerdicts = [
      {
        name: `check ${check.importId} (initech)`,
        ...checkImport(
          file,
          checkObserved,
          storeOf(checking).owners,
          owned(checking, check.importId),
          () => 'check',
        ),
      },
      {
        name: `commit ${commit.importId} (initech)`,
        ...checkImport(
          file,
          commitObserved,
          storeOf(checking).owners,
          owned(checking, commit.importId),
          () => 'success',
        ),
      },
      {
        name: `cancelled import ${cancelled.importId} (umbrella)`,
        ...checkImport(
          file,
          cancelObserved,
          storeOf(cancelling).owners,
          owned(cancelling, cancelled.importId),
          () => 'cancel',
        ),
      },
    ];
    if (!cancelled.cancelledBy || cancelled.successCount >= file.validRows)
      phaseVerdicts[2]?.mismatches.push(`the cancel took no rows: ${describe(cancelled)}`);
    verdicts.push(...phaseVerdicts);
    for (const verdict of verdicts) {
      if (verdict.mismatches.length === 0) continue;
      log(`${verdict.name} is not exact:`);
      for (const mismatch of verdict.mismatches) console.log(`  ${mismatch}`);
    }
    for (const run of runs) {
      const raced = new Set(windows.filter((_, index) => racer(index) === run).flat());
      const won = new Map<string, number>();
      for (const [index, observed] of racingObserved.entries()) {
        if (racer(index) !== run) continue;
        for (const [rowIndex, expectation] of (racing[index] as ChaosFile).expected.entries()) {
          if (expectation.kind !== 'valid' || !expectation.shared) continue;
          const owner = storeOf(run).owners.get(expectation.key);
          if (owner?.importId === observed.task.importId && owner.rowNumber === rowIndex + 2) {
            won.set(expectation.key, (won.get(expectation.key) ?? 0) + 1);
          }
        }
      }
      const winners = new Set(
        racingTasks
          .filter((_, index) => racer(index) === run)
          .map((task) => task.importId)
          .filter((id) => owned(run, id) > 0),
      );
      log(
        `${run.account}: raced keys: ${raced.size}, won once: ${[...won.values()].filter((count) => count === 1).length}, ` +
          `imports that won at least one: ${winners.size}`,
      );
    }
    const deadLetters = await Promise.all(
      (['intake', 'chunks', 'finalize'] as const).map(
        async (queue) => `${queue}=${await stack.messageCount(queue, true)}`,
      ),
    );
    log(`dead-letter queues: ${deadLetters.join(' ')}`);

    const mainExact = verdicts.slice(0, 4).every((verdict) => verdict.mismatches.length === 0);
    const concurrentExact = verdicts
      .slice(4, 4 + racing.length)
      .filter((verdict) => verdict.mismatches.length === 0).length;
    const phaseExact = phaseVerdicts.every((verdict) => verdict.mismatches.length === 0);
    failed = !mainExact || concurrentExact !== racing.length || !phaseExact || survived !== options.kills;
    console.log(
      `chaos: kills=${acme.kills.length} survived=${survived} rows=${file.rows} accounts=${runs.length + 2} exact=${mainExact ? 'yes' : 'no'} ` +
        `concurrent=${racing.length} exact=${concurrentExact}/${racing.length} ` +
        `check+commit+cancel=${phaseExact ? 'exact' : 'NOT exact'} (${phaseKills} kills) seed=${options.seed} ` +
        `time=${seconds(performance.now() - began)}`,
    );
  } catch (error) {
    failed = true;
    console.error('chaos: the run broke off:', error);
    console.error(`chaos: last stack output:\n${stack.logs().slice(-6000)}`);
  } finally {
    await stack.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
