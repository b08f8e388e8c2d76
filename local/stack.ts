import { join, resolve } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  FUNCTION_TIMEOUT_SECONDS,
  type QueueDefinition,
  queueDefinition,
  SES_MAX_MESSAGE_BYTES,
} from '../lambdas/shared/resource-definitions';
import { upgradeToAccounts } from '../scripts/upgrade/accounts';
import { createStackClients } from './clients';
import { startEmulators } from './emulators/emulators';
import { createRangeReader } from './emulators/object-ranges';
import { startS3Front } from './emulators/s3-front';
import { startSesOutbound } from './emulators/ses-outbound';
import { QueuePoller, sqsPolledQueue } from './events/poller';
import { type CreatedObject, s3EventNotification } from './events/s3-event';
import { deliverReceipt, sqsFailureDestination, startSmtpReceiver } from './events/smtp-receiver';
import { poisonEnvironment, startWatchdogTimer, watchdogInterval } from './events/watchdog-timer';
import { handlerEnvironment } from './functions/handler-env';
import { loadInProcessFunction } from './functions/invoker';
import { peakRssMb } from './functions/process-memory';
import { startWorkerFunction, type WorkerFunction } from './functions/worker-invoker';
import { lockDataDir } from './journals/data-dir-lock';
import { NotificationJournal, type ObjectProbe, replayJournal } from './journals/notification-journal';
import { ReceiptJournal } from './journals/receipt-journal';
import { createLog, type Log } from './log';
import { provision } from './provision';
import { LOCAL_CLIENT_ID, loadOrCreateSecrets, localIssuer } from './servers/auth';
import { consoleCorsRule } from './servers/cors';
import { startHttpServer } from './servers/http-server';
import type { LocalSettings } from './settings';

/**
 * Assembles the local stack in dependency order: emulators, resources, secrets, handler environment,
 * handlers, replay of journaled notifications, servers, then pollers. Stopping runs the reverse.
 */

export const REPO_ROOT = resolve(__dirname, '..');

/** Which function consumes which queue, as the CDK stack's event source mappings wire them. */
export const QUEUE_CONSUMERS: readonly { queue: QueueDefinition['id']; stage: string }[] = [
  { queue: 'intake', stage: 'validate-file' },
  { queue: 'chunks', stage: 'process-chunk' },
  { queue: 'finalize', stage: 'finalize-import' },
];

/**
 * Heap cap of each queue consumer's environment, as `node --max-old-space-size=256` sets it: far below
 * what the functions get on AWS, so a handler that starts holding a whole file fails here first.
 */
export const FUNCTION_MAX_OLD_SPACE_MB = 256;

/** Local replies come from the import domain of the local examples. */
export const LOCAL_REPLY_FROM = 'no-reply@imports.localhost';

export interface RunningStack {
  urls: {
    console: string;
    api: string;
    s3: string;
    sqs: string;
    dynamodb: string;
    issuer: string;
    /** `host:port` of the SMTP receiver (plays SES receiving). */
    smtp: string;
    /** The outbound mailbox viewer (replies to emailed imports). */
    mailbox: string;
  };
  stop(): Promise<void>;
}

const probeFor =
  (s3: S3Client): ObjectProbe =>
  async (bucket, key) => {
    try {
      const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, eTag: out.ETag ?? '' };
    } catch (error) {
      if (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey'))
        return undefined;
      throw error;
    }
  };

/** Runs `steps` in reverse, every one of them even if some fail, then reports the first failure. */
const unwind = async (steps: { name: string; run: () => Promise<void> }[], log: Log): Promise<void> => {
  let firstError: unknown;
  for (const step of [...steps].reverse()) {
    const started = Date.now();
    try {
      await step.run();
      log.info(`stopped ${step.name}`, { ms: Date.now() - started });
    } catch (error) {
      log.error(`stopping ${step.name} failed`, error);
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
};

export const startStack = async (settings: LocalSettings): Promise<RunningStack> => {
  const log = createLog('stack');
  const { ports, paths, region } = settings;
  const stopSteps: { name: string; run: () => Promise<void> }[] = [];
  try {
    const lock = await lockDataDir(paths.root, ports.api);
    stopSteps.push({ name: 'data dir lock', run: () => lock.release() });

    const emulators = await startEmulators(ports, paths, region);
    stopSteps.push({ name: 'emulators', run: () => emulators.stop() });
    log.info('emulators up', { fauxqs: emulators.fauxqsEndpoint, dynamodb: emulators.dynamoEndpoint });

    const clients = createStackClients(emulators.fauxqsEndpoint, emulators.dynamoEndpoint, region);
    const provisioned = await provision(
      clients,
      settings.visibilityTimeoutSeconds,
      paths.root,
      createLog('provision'),
    );
    // Data from before accounts becomes the default account's, before any function or event runs.
    const upgradeLog = createLog('upgrade');
    await upgradeToAccounts({
      db: DynamoDBDocumentClient.from(clients.dynamo, { marshallOptions: { removeUndefinedValues: true } }),
      s3: clients.s3,
      stateTable: provisioned.tables.state,
      recordsTable: provisioned.tables.records,
      bucket: provisioned.bucket,
      log: (message, fields) => upgradeLog.info(message, fields),
    });
    const { secrets, created } = await loadOrCreateSecrets(paths.secrets);
    if (created) log.info('created local signing key and cursor secret', { dir: paths.secrets });

    const issuer = localIssuer(ports.api, region);
    const s3Url = `http://localhost:${ports.s3}`;
    const sesEndpoint = `http://127.0.0.1:${ports.ses}`;
    Object.assign(
      process.env,
      handlerEnvironment({
        region,
        provisioned,
        s3Endpoint: s3Url,
        sqsEndpoint: emulators.fauxqsEndpoint,
        dynamoEndpoint: emulators.dynamoEndpoint,
        sesEndpoint,
        replyFrom: LOCAL_REPLY_FROM,
        authIssuer: issuer,
        clientId: LOCAL_CLIENT_ID,
        cursorSecret: secrets.cursorSecret,
        logLevel: settings.logLevel,
      }),
    );
    Object.assign(process.env, poisonEnvironment(settings.visibilityTimeoutSeconds, process.env));
    // Each account keeps twice the chunk threads' worth of chunks queued, as the CDK stack does with its
    // workers (unless CHUNK_WINDOW is set).
    process.env.CHUNK_WINDOW ??= String(2 * Math.max(1, settings.concurrency.chunks));
    const watchdogEverySeconds = watchdogInterval(process.env);

    // Handlers parse their config when loaded, so they are imported only now that the environment is set.
    const load = (stage: string, timeoutSeconds: number) =>
      loadInProcessFunction({
        name: stage,
        modulePath: join(REPO_ROOT, 'lambdas', stage, 'handler'),
        timeoutSeconds,
        region,
      });
    const api = await load('api', FUNCTION_TIMEOUT_SECONDS.api);
    // Queue consumers run in worker threads, one environment per concurrent batch, each with a capped heap:
    // they use every core, and their memory is measured and bounded as a Lambda environment's would be.
    const consumers: { queue: QueueDefinition['id']; stage: string; invoker: WorkerFunction }[] = [];
    stopSteps.push({
      name: 'functions',
      run: async () => {
        for (const { invoker } of consumers) log.info('function stats', { ...invoker.stats() });
        log.info('peak memory', {
          stackRssMb: await peakRssMb(),
          dynamodbRssMb: await emulators.dynamoPeakRssMb(),
        });
        await Promise.all(consumers.map((consumer) => consumer.invoker.stop()));
      },
    });
    for (const consumer of QUEUE_CONSUMERS) {
      consumers.push({
        ...consumer,
        invoker: await startWorkerFunction({
          name: consumer.stage,
          modulePath: join(REPO_ROOT, 'lambdas', consumer.stage, 'handler'),
          timeoutSeconds: queueDefinition(consumer.queue).functionTimeoutSeconds,
          region,
          instances: Math.max(1, settings.concurrency[consumer.queue]),
          maxOldSpaceMb: FUNCTION_MAX_OLD_SPACE_MB,
          log: createLog(`function:${consumer.stage}`),
        }),
      });
    }
    const ingest = await load('email-ingest', FUNCTION_TIMEOUT_SECONDS.emailIngest);

    const journal = new NotificationJournal(paths.notifications);
    const probe = probeFor(clients.s3);
    const notify = async (object: CreatedObject) => {
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: provisioned.queues.intake.url,
          MessageBody: JSON.stringify(s3EventNotification(object)),
        }),
      );
    };
    // Before the S3 front accepts requests, so only entries of the previous run are replayed.
    await replayJournal(journal, probe, notify, region, createLog('notifications'));

    const s3Front = await startS3Front({
      port: ports.s3,
      upstreamPort: ports.fauxqs,
      bucket: provisioned.bucket,
      cors: consoleCorsRule(ports.api),
      journal,
      probe,
      notify,
      region,
      log: createLog('s3'),
      ranges: createRangeReader({ storageDir: paths.s3, upstreamPort: ports.fauxqs }),
    });
    stopSteps.push({ name: 'S3 endpoint', run: () => s3Front.close() });

    const http = await startHttpServer({
      port: ports.api,
      api,
      consoleRoot: join(REPO_ROOT, 'frontend', 'dist'),
      secrets,
      issuer,
      clientId: LOCAL_CLIENT_ID,
      log: createLog('http'),
    });
    stopSteps.push({ name: 'console and API', run: () => http.close() });

    const sesOutbound = await startSesOutbound({
      port: ports.ses,
      dir: join(paths.root, 'ses'),
      log: createLog('ses'),
    });
    stopSteps.push({ name: 'SES emulator', run: () => sesOutbound.stop() });
    const receipts = new ReceiptJournal(join(paths.root, 'inbound-events'));
    const receiverLog = createLog('smtp');
    const failures = sqsFailureDestination(clients.sqs, provisioned.emailIngestFailuresUrl);
    const smtp = await startSmtpReceiver({
      port: ports.smtp,
      s3: clients.s3,
      bucket: provisioned.bucket,
      region,
      maxBytes: SES_MAX_MESSAGE_BYTES,
      journal: receipts,
      ingest,
      failures,
      log: receiverLog,
    });
    stopSteps.push({ name: 'SMTP receiver', run: () => smtp.close() });
    const smtpAddress = `127.0.0.1:${smtp.port}`;
    // Messages accepted before a crash whose ingest never finished: delivered now, in the background.
    for (const entry of await receipts.pending(receiverLog)) {
      receiverLog.info('replaying a journaled message', {
        messageId: entry.event.Records[0]?.ses.mail.messageId,
      });
      deliverReceipt({ journal: receipts, ingest, failures, log: receiverLog }, entry).catch(
        (error: unknown) => receiverLog.error('replaying a journaled message failed', error),
      );
    }

    const watchdog = await load('watchdog', FUNCTION_TIMEOUT_SECONDS.watchdog);
    const timer = startWatchdogTimer({
      invoker: watchdog,
      intervalSeconds: watchdogEverySeconds,
      region,
      log: createLog('watchdog'),
    });
    stopSteps.push({ name: 'watchdog timer', run: () => timer.stop() });

    const pollers: QueuePoller[] = [];
    // Pollers stop first (pushed last), all at once: in-flight batches finish while S3 and the API still answer.
    stopSteps.push({
      name: 'pollers',
      run: async () => void (await Promise.all(pollers.map((poller) => poller.stop()))),
    });
    for (const consumer of consumers) {
      const queue = provisioned.queues[consumer.queue];
      const poller = new QueuePoller({
        queueName: consumer.queue,
        queueArn: queue.arn,
        region,
        batchSize: queue.definition.batchSize,
        concurrency: settings.concurrency[consumer.queue],
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        queue: sqsPolledQueue(clients.sqs, queue.url),
        invoker: consumer.invoker,
        log: createLog(`poller:${consumer.queue}`),
      });
      poller.start();
      pollers.push(poller);
    }

    return {
      urls: {
        console: `http://localhost:${ports.api}`,
        api: `http://localhost:${ports.api}/api`,
        s3: s3Url,
        sqs: emulators.fauxqsEndpoint,
        dynamodb: emulators.dynamoEndpoint,
        issuer,
        smtp: smtpAddress,
        mailbox: sesOutbound.mailboxUrl,
      },
      stop: () => unwind(stopSteps, log),
    };
  } catch (error) {
    // Each failed stop step is logged by unwind; the start failure is the error worth reporting.
    await unwind(stopSteps, log).catch(() => undefined);
    throw error;
  }
};
