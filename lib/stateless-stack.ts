import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { apiSettings } from '../lambdas/api/settings';
import { emailIngestSettings } from '../lambdas/email-ingest/settings';
import { finalizeImportSettings } from '../lambdas/finalize-import/settings';
import { processChunkSettings } from '../lambdas/process-chunk/settings';
import { watchdogTimeouts } from '../lambdas/shared/config';
import { INBOUND_PREFIX, REPORTS_PREFIX, UPLOADS_PREFIX, WORK_PREFIX } from '../lambdas/shared/object-keys';
import {
  EMAIL_INGEST_FAILURES,
  FUNCTION_TIMEOUT_SECONDS,
  OPEN_TASKS_INDEX,
  RECORDS_TABLE,
  STATE_TABLE,
  type TableDefinition,
} from '../lambdas/shared/resource-definitions';
import { validateFileSettings } from '../lambdas/validate-file/settings';
import { watchdogSettings } from '../lambdas/watchdog/settings';
import { ADMIN_GROUP, ADMIN_SCOPE } from './constructs/admin-sign-in';
import { alarmOnFirst } from './constructs/alarms';
import { ConsoleDeployment } from './constructs/console-deployment';
import { EmailReceiving } from './constructs/email-receiving';
import { ImportFunction, type ImportFunctionProps, type TableUse } from './constructs/import-function';
import { ImportsApi } from './constructs/imports-api';
import type { WorkQueue } from './constructs/work-queue';
import type { DeploySettings } from './deploy-settings';
import type { HandlerEntries } from './handler-entries';
import { consoleBucketName, dataBucketName, IMPORT_MAIL_RULE, receiptRuleSetName } from './resource-names';
import type { StatefulStack } from './stateful-stack';

export interface StatelessStackProps extends StackProps {
  settings: DeploySettings;
  stateful: StatefulStack;
  handlers: HandlerEntries;
  /** Repository root (lock file and tsconfig for bundling). */
  projectRoot: string;
  /** The console's build output; only `config.json` is deployed while it is missing. */
  consoleDistDir: string;
}

/**
 * What storing and counting a chunk's outcome takes on the state table (read the task and any stored
 * result, put the result, count it, page its row errors and attempts, write the error pages): process-chunk
 * does it, and so does the watchdog when it gives a chunk up.
 */
const CHUNK_OUTCOME_ACTIONS: TableUse['actions'] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
];

/** Index names come from the shared definitions, so a renamed index is granted under its new name. */
const indexNames = (definition: TableDefinition): string[] => definition.indexes.map((index) => index.name);

/**
 * The code and its wiring, replaceable at any time without touching data: the four pipeline functions, their
 * event sources, the HTTP API, the console's configuration, and (with an import domain) email receiving.
 * Each function gets exactly the objects, items and queues its stage uses.
 */
export class StatelessStack extends Stack {
  readonly validateFile: ImportFunction;
  readonly processChunk: ImportFunction;
  readonly finalizeImport: ImportFunction;
  readonly api: ImportFunction;
  readonly watchdog: ImportFunction;
  readonly httpApi: ImportsApi;
  readonly emailIngest?: ImportFunction;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stateful, settings, handlers } = props;
    const { stateTable, recordsTable, queues } = stateful;
    // Buckets by name (see resource-names.ts): policies then name them plainly, and the stack dependency
    // set up by the app guarantees they exist first.
    const bucket = Bucket.fromBucketName(this, 'DataBucket', dataBucketName(settings.stackPrefix));
    const consoleBucket = Bucket.fromBucketName(
      this,
      'ConsoleBucket',
      consoleBucketName(settings.stackPrefix),
    );

    const importFunction: NewFunction = (constructId, entry, options) =>
      new ImportFunction(this, constructId, {
        entry,
        projectRoot: props.projectRoot,
        logRetention: settings.logRetentionDays,
        ...options,
      });

    // With an import domain, email imports: ingest and receiving first, so that the reply's grants to the
    // other functions are given where each of them is built.
    const mail = settings.importDomain
      ? this.addEmailImports(settings, settings.importDomain, handlers['email-ingest'], {
          newFunction: importFunction,
          bucket,
          stateful,
        })
      : undefined;
    this.emailIngest = mail?.ingest;

    this.validateFile = importFunction('ValidateFile', handlers['validate-file'], {
      description: 'validate-file: checks an uploaded CSV in one streaming pass and plans its chunks',
      settings: validateFileSettings,
      // One streaming pass over up to 200 MB, transcoding and hashing every key: CPU comes with memory.
      memorySize: 1769,
      timeout: consumerTimeout(queues.intake),
    })
      .useBucket(bucket, {
        prefixes: { [UPLOADS_PREFIX]: ['read'], [WORK_PREFIX]: ['read', 'write'] },
        headsMissingKeys: true,
      })
      .useTable('STATE_TABLE', stateTable, { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] })
      .sendsTo('CHUNKS_QUEUE_URL', queues.chunks.queue)
      // A file rejected or found empty frees its account's slot and starts the next import waiting for one.
      .sendsTo('INTAKE_QUEUE_URL', queues.intake.queue)
      .setting('IMPORTS_IN_FLIGHT', String(settings.importsInFlight))
      // Twice the chunk workers per account: each finds its next chunk queued, and accounts take turns.
      .setting('CHUNK_WINDOW', String(2 * settings.chunkMaxConcurrency))
      .setting('INTAKE_MAX_RECEIVE_COUNT', String(queues.intake.definition.maxReceiveCount));
    // With email imports, a file it rejects may be an emailed one: that task goes on to the reply step.
    if (mail) this.validateFile.sendsTo('FINALIZE_QUEUE_URL', queues.finalize.queue);
    consume(this.validateFile, queues.intake);

    this.processChunk = importFunction('ProcessChunk', handlers['process-chunk'], {
      description: 'process-chunk: validates and commits the rows of one byte range',
      settings: processChunkSettings,
      memorySize: 1024,
      timeout: consumerTimeout(queues.chunks),
    })
      .useBucket(bucket, {
        prefixes: { [UPLOADS_PREFIX]: ['read'], [WORK_PREFIX]: ['read', 'write'] },
      })
      .useTable('STATE_TABLE', stateTable, { actions: CHUNK_OUTCOME_ACTIONS })
      // Insert-only batches are PartiQL INSERTs (BatchExecuteStatement needs the per-statement action) whose
      // taken keys are read back with BatchGetItem; upserts and single inserts use PutItem and GetItem.
      .useTable('RECORDS_TABLE', recordsTable, {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:PartiQLInsert', 'dynamodb:BatchGetItem'],
      })
      .sendsTo('FINALIZE_QUEUE_URL', queues.finalize.queue)
      // Counting a chunk of an import sent in a window sends its next chunk.
      .sendsTo('CHUNKS_QUEUE_URL', queues.chunks.queue)
      .setting('CHUNKS_MAX_RECEIVE_COUNT', String(queues.chunks.definition.maxReceiveCount));
    consume(this.processChunk, queues.chunks, settings.chunkMaxConcurrency);

    this.finalizeImport = importFunction('FinalizeImport', handlers['finalize-import'], {
      description: 'finalize-import: writes the exceptions and Result Data reports and the final status',
      settings: finalizeImportSettings,
      memorySize: 1024,
      timeout: consumerTimeout(queues.finalize),
    })
      .useBucket(bucket, {
        prefixes: {
          [WORK_PREFIX]: ['read', 'delete'],
          // The reply checks and links the reports it sends.
          [REPORTS_PREFIX]: mail ? ['write', 'read'] : ['write'],
        },
        headsMissingKeys: mail !== undefined,
      })
      .useTable('STATE_TABLE', stateTable, {
        // The reply reads the first row errors of each file (a query on the task's items).
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', ...(mail ? (['dynamodb:Query'] as const) : [])],
      })
      // An ended import frees its account's slot and starts the next import waiting for one.
      .sendsTo('INTAKE_QUEUE_URL', queues.intake.queue)
      .setting('FINALIZE_MAX_RECEIVE_COUNT', String(queues.finalize.definition.maxReceiveCount));
    if (mail) {
      // The reply step: reached by its own message on this queue (sent here after finalizing an emailed
      // task), and sent through SES as the import domain's no-reply address only.
      this.finalizeImport
        .sendsTo('FINALIZE_QUEUE_URL', queues.finalize.queue)
        .sendsMailAs(replyAddress(mail.domain), mail.identityArn);
    }
    consume(this.finalizeImport, queues.finalize);

    this.watchdog = this.addWatchdog(importFunction, handlers.watchdog, { bucket, stateful });

    // Signs paging cursors. Generated by Secrets Manager at deploy time; the API function gets only its ARN
    // and reads the value on its first request (kept for the instance's life), so the key is in neither the
    // template, the function's environment nor the repository. Rotation would only invalidate cursors a
    // console holds (instances started after it read the new key), so the value is left as generated.
    const cursorSecret = new Secret(this, 'CursorSecret', {
      description: 'HMAC key of the Bulk Imports API paging cursors',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Signs short-lived paging cursors only; rotating it would just break the cursors consoles hold, so the generated value is kept.',
    });

    this.api = importFunction('Api', handlers.api, {
      description: 'api: the /api routes of the console',
      settings: apiSettings,
      memorySize: 1024,
      // HTTP APIs wait at most 30 s for an integration.
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.api),
    })
      .useBucket(bucket, {
        prefixes: {
          [UPLOADS_PREFIX]: ['read', 'write'],
          [REPORTS_PREFIX]: ['read'],
          [INBOUND_PREFIX]: ['read'],
        },
        headsMissingKeys: true,
      })
      .useTable('STATE_TABLE', stateTable, {
        // A page of the imports list reads its tasks in one BatchGetItem after the index query.
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ],
        indexes: indexNames(STATE_TABLE),
      })
      .useTable('RECORDS_TABLE', recordsTable, {
        actions: ['dynamodb:Query'],
        indexes: indexNames(RECORDS_TABLE),
      })
      .setting('AUTH_ISSUER', stateful.signIn.issuerUrl)
      .setting('AUTH_CLIENT_IDS', stateful.signIn.client.userPoolClientId)
      .setting('AUTH_ADMIN_GROUP', ADMIN_GROUP)
      .setting('CURSOR_SECRET_ARN', cursorSecret.secretArn);
    cursorSecret.grantRead(this.api.role);

    this.httpApi = new ImportsApi(this, 'HttpApi', {
      handler: this.api.handler,
      userPool: stateful.signIn.userPool,
      client: stateful.signIn.client,
      requiredScope: ADMIN_SCOPE,
      allowedOrigins: stateful.console.origins,
      logRetention: settings.logRetentionDays,
    });
    Validations.of(this.httpApi.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /api/health answers {"ok":true} without a token by design (DESIGN §6); every other route requires the Cognito JWT and the admin scope.',
    });

    alarmOnFirst(this, 'ApiServerErrorsAlarm', {
      description:
        'The HTTP API answered 5xx (an unexpected failure in the api function, or the function failed): see the api log by request id.',
      metric: this.httpApi.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      topic: stateful.alarmTopic,
    });

    new ConsoleDeployment(this, 'Console', {
      bucket: consoleBucket,
      distDir: props.consoleDistDir,
      config: {
        apiUrl: this.httpApi.url,
        region: this.region,
        userPoolId: stateful.signIn.userPool.userPoolId,
        clientId: stateful.signIn.client.userPoolClientId,
        authDomain: stateful.signIn.signInBaseUrl,
        scopes: ['openid', 'email', 'profile', ADMIN_SCOPE],
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.httpApi.url });
  }

  /**
   * The watchdog (DESIGN §2: no task stays non-final forever): every 5 minutes it reads the open tasks from
   * the sparse index and ends those idle past their status's timeout. It may do what the stages it stands in
   * for do when they give up: abort an upload, read chunks and their manifest, send chunk messages never sent,
   * write given-up report parts and results, read record owners, count chunks, set statuses, and send
   * finalize. A failed pass alarms.
   */
  private addWatchdog(
    newFunction: NewFunction,
    entry: string,
    deps: { bucket: IBucket; stateful: StatefulStack },
  ): ImportFunction {
    const { stateTable, recordsTable, queues, alarmTopic } = deps.stateful;
    const timeouts = watchdogTimeouts((id) => queues[id].definition.visibilityTimeoutSeconds);
    const fn = newFunction('Watchdog', entry, {
      description: 'watchdog: ends import tasks left in a non-final status past their timeout',
      settings: watchdogSettings,
      memorySize: 1024,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.watchdog),
    })
      .useBucket(deps.bucket, {
        prefixes: { [UPLOADS_PREFIX]: ['read', 'abort'], [WORK_PREFIX]: ['read', 'write'] },
        headsMissingKeys: true,
      })
      .useTable('STATE_TABLE', stateTable, {
        // It gives chunks up as their last receive would, and finds the open tasks on the sparse index.
        actions: CHUNK_OUTCOME_ACTIONS,
        indexes: [OPEN_TASKS_INDEX],
      })
      .useTable('RECORDS_TABLE', recordsTable, { actions: ['dynamodb:BatchGetItem'] })
      // Chunk messages validate-file planned but never sent go out before anything is given up.
      .sendsTo('CHUNKS_QUEUE_URL', queues.chunks.queue)
      .sendsTo('FINALIZE_QUEUE_URL', queues.finalize.queue)
      // Imports waiting for a slot of their account are sent on to start.
      .sendsTo('INTAKE_QUEUE_URL', queues.intake.queue)
      .setting('WATCHDOG_PENDING_TIMEOUT_SECONDS', String(timeouts.pending))
      .setting('WATCHDOG_VALIDATING_TIMEOUT_SECONDS', String(timeouts.validating))
      .setting('WATCHDOG_PROCESSING_TIMEOUT_SECONDS', String(timeouts.processing))
      .setting('WATCHDOG_FINALIZING_TIMEOUT_SECONDS', String(timeouts.finalizing));
    new Rule(this, 'WatchdogSchedule', {
      description: 'Runs the import watchdog every 5 minutes',
      schedule: Schedule.rate(Duration.minutes(5)),
      // The next pass is 5 minutes away: retrying a failed one would only overlap it.
      targets: [new LambdaFunction(fn.handler, { retryAttempts: 0 })],
    });
    alarmOnFirst(this, 'WatchdogErrorsAlarm', {
      description:
        'A watchdog pass could not end a task left non-final (or failed): see the watchdog log for the import ids.',
      metric: fn.handler.metricErrors({ period: Duration.minutes(15) }),
      topic: alarmTopic,
    });
    return fn;
  }

  /**
   * Email imports (DESIGN §2): SES stores each message under `inbound/` and invokes email ingest, which turns
   * attachments into uploads and hands tasks that are final from the start to the reply step (validate-file's
   * and finalize-import's part in replies is granted where those functions are built).
   */
  private addEmailImports(
    settings: DeploySettings,
    importDomain: string,
    entry: string,
    deps: { newFunction: NewFunction; bucket: IBucket; stateful: StatefulStack },
  ): { ingest: ImportFunction; domain: string; identityArn: string } {
    const { stateTable, queues } = deps.stateful;
    const ingest = deps
      .newFunction('EmailIngest', entry, {
        description: 'email-ingest: turns a received email into import tasks',
        settings: emailIngestSettings,
        // Three streaming passes over a message of up to 40 MB, MIME decoding in between.
        memorySize: 1024,
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.emailIngest),
      })
      .useBucket(deps.bucket, {
        // The message SES stored is copied under each recipient account's `inbound/{account}/` (write),
        // and a copy that made no task is removed (delete).
        prefixes: { [INBOUND_PREFIX]: ['read', 'write', 'delete'], [UPLOADS_PREFIX]: ['write'] },
        headsMissingKeys: true,
      })
      // Settings and message records are read and created, tasks created and read: never updated here.
      .useTable('STATE_TABLE', stateTable, { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'] })
      .sendsTo('FINALIZE_QUEUE_URL', queues.finalize.queue);
    this.handleIngestFailures(ingest, deps.stateful);

    const receiving = new EmailReceiving(this, 'EmailReceiving', {
      ruleSetName: receiptRuleSetName(settings.stackPrefix),
      ruleName: IMPORT_MAIL_RULE,
      domain: importDomain,
      addresses: settings.importAddresses,
      bucket: deps.bucket,
      objectKeyPrefix: INBOUND_PREFIX,
      ingest: ingest.handler,
    });

    new CfnOutput(this, 'ReceiptRuleSetName', {
      value: receiving.ruleSet.receiptRuleSetName,
      description: 'Activate with: aws ses set-active-receipt-rule-set --rule-set-name <this>',
    });
    new CfnOutput(this, 'ReplyFrom', {
      value: replyAddress(importDomain),
      description: 'Sender of the replies to emailed imports',
    });
    receiving.identity.dkimRecords.forEach((record, index) => {
      new CfnOutput(this, `DkimRecord${index + 1}`, {
        value: `${record.name} CNAME ${record.value}`,
        description: `DKIM record ${index + 1} of ${importDomain}: publish it to verify the domain`,
      });
    });
    return { ingest, domain: importDomain, identityArn: receiving.identity.emailIdentityArn };
  }

  /**
   * SES invokes email ingest asynchronously, so a failure has no caller to see it: Lambda retries twice,
   * then the event goes to the stateful stack's failure queue (which alarms), and every failed invocation
   * alarms as it happens.
   */
  private handleIngestFailures(ingest: ImportFunction, stateful: StatefulStack): void {
    const failures = stateful.emailIngestFailures;
    if (!failures) throw new Error('Email imports need the stateful stack built with the same import domain');
    ingest.handler.configureAsyncInvoke({
      retryAttempts: EMAIL_INGEST_FAILURES.retryAttempts,
      onFailure: new SqsDestination(failures),
    });
    alarmOnFirst(this, 'EmailIngestErrorsAlarm', {
      description:
        'Email ingest failed on a received message (Lambda retries it twice, then it goes to the EmailIngestFailures queue): see the email-ingest log by message id.',
      metric: ingest.handler.metricErrors({ period: Duration.minutes(5) }),
      topic: stateful.alarmTopic,
    });
  }

  /** Every function of the stack, for checks that apply to all. */
  functions(): ImportFunction[] {
    return [
      this.validateFile,
      this.processChunk,
      this.finalizeImport,
      this.api,
      this.watchdog,
      ...(this.emailIngest ? [this.emailIngest] : []),
    ];
  }
}

/** Replies come from a no-reply address of the import domain, which the SES identity verifies. */
export const replyAddress = (importDomain: string): string => `no-reply@${importDomain}`;

type FunctionOptions = Pick<ImportFunctionProps, 'description' | 'settings' | 'memorySize' | 'timeout'>;
type NewFunction = (constructId: string, entry: string, options: FunctionOptions) => ImportFunction;

/** The consumer's timeout is part of the queue's definition, so visibility and timeout never disagree. */
const consumerTimeout = (queue: WorkQueue): Duration =>
  Duration.seconds(queue.definition.functionTimeoutSeconds);

/**
 * Subscribes a function to its queue with the batch size of the queue's definition, reporting failed
 * messages one by one so the rest of a batch is not retried with them.
 */
const consume = (fn: ImportFunction, queue: WorkQueue, maxConcurrency?: number): void => {
  fn.handler.addEventSource(
    new SqsEventSource(queue.queue, {
      batchSize: queue.definition.batchSize,
      reportBatchItemFailures: true,
      ...(maxConcurrency ? { maxConcurrency } : {}),
    }),
  );
};
