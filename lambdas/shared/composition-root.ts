import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEmailMessageStore } from './adapters/dynamo-email-message-store';
import { DynamoRecordStore } from './adapters/dynamo-record-store';
import { DynamoSettingsStore } from './adapters/dynamo-settings-store';
import { DynamoTaskStore } from './adapters/dynamo-task-store';
import { S3ObjectStore } from './adapters/s3-object-store';
import { SesMailSender } from './adapters/ses-mail-sender';
import { SqsQueue } from './adapters/sqs-queue';
import type {
  AuthSettings,
  AwsSettings,
  FinalizeQueueSettings,
  QueueSettings,
  StorageSettings,
} from './config';
import { ConfigError } from './errors';
import type { ChunkMessage, FinalizeMessage } from './model';
import type {
  EmailMessageStore,
  MailSender,
  MessageQueue,
  ObjectStore,
  RecordStore,
  SettingsStore,
  TaskStore,
} from './ports';

/**
 * The one place that builds AWS clients and adapters. Endpoint overrides (the local stack's emulators)
 * are applied here and nowhere else; on AWS they are absent and the SDK defaults apply.
 */

export const createLogger = (settings: Pick<AwsSettings, 'LOG_LEVEL'>, serviceName: string): Logger =>
  new Logger({ serviceName, logLevel: settings.LOG_LEVEL });

export const createS3Client = (settings: AwsSettings): S3Client =>
  new S3Client({
    region: settings.AWS_REGION,
    // By default the SDK signs a CRC32 of the (absent, so empty) body into presigned UploadPart URLs, and
    // S3 then rejects every browser part upload with a checksum mismatch.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...(settings.S3_ENDPOINT ? { endpoint: settings.S3_ENDPOINT, forcePathStyle: true } : {}),
  });

export const createSqsClient = (settings: AwsSettings): SQSClient =>
  new SQSClient({
    region: settings.AWS_REGION,
    // Without this the client follows the queue URL's host, which the local emulator does not serve.
    useQueueUrlAsEndpoint: false,
    ...(settings.SQS_ENDPOINT ? { endpoint: settings.SQS_ENDPOINT } : {}),
  });

export const createDocumentClient = (settings: AwsSettings): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: settings.AWS_REGION,
      ...(settings.DYNAMODB_ENDPOINT ? { endpoint: settings.DYNAMODB_ENDPOINT } : {}),
    }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );

export interface Stores {
  objects: ObjectStore;
  tasks: TaskStore;
  records: RecordStore;
}

export const createStores = (settings: AwsSettings & StorageSettings): Stores => {
  const db = createDocumentClient(settings);
  return {
    objects: new S3ObjectStore(createS3Client(settings), settings.BUCKET_NAME),
    tasks: new DynamoTaskStore(db, settings.STATE_TABLE),
    records: new DynamoRecordStore(db, settings.RECORDS_TABLE),
  };
};

export interface Queues {
  chunks: MessageQueue<ChunkMessage>;
  finalize: MessageQueue<FinalizeMessage>;
}

export const createQueues = (settings: AwsSettings & QueueSettings): Queues => {
  const sqs = createSqsClient(settings);
  return {
    chunks: new SqsQueue<ChunkMessage>(sqs, settings.CHUNKS_QUEUE_URL),
    finalize: new SqsQueue<FinalizeMessage>(sqs, settings.FINALIZE_QUEUE_URL),
  };
};

/** The finalize queue alone, for stages that only hand tasks over to finalize-import. */
export const createFinalizeQueue = (
  settings: AwsSettings & FinalizeQueueSettings,
): MessageQueue<FinalizeMessage> =>
  new SqsQueue<FinalizeMessage>(createSqsClient(settings), settings.FINALIZE_QUEUE_URL);

export interface EmailStores {
  settings: SettingsStore;
  messages: EmailMessageStore;
}

/** Email Import Settings and received messages, both in the state table. */
export const createEmailStores = (settings: AwsSettings & StorageSettings): EmailStores => {
  const db = createDocumentClient(settings);
  return {
    settings: new DynamoSettingsStore(db, settings.STATE_TABLE),
    messages: new DynamoEmailMessageStore(db, settings.STATE_TABLE),
  };
};

export const createMailSender = (settings: AwsSettings): MailSender =>
  new SesMailSender(
    new SESClient({
      region: settings.AWS_REGION,
      ...(settings.SES_ENDPOINT ? { endpoint: settings.SES_ENDPOINT } : {}),
    }),
  );

/**
 * Where the paging-cursor key comes from: the environment locally (`CURSOR_SECRET`), Secrets Manager on AWS
 * (`CURSOR_SECRET_ARN`, read on the first request and kept for the life of the instance; a failed read is
 * tried again on the next request). Neither, both, or a stored key under 32 characters fail loudly.
 */
export const cursorSecretSource = (
  settings: AwsSettings & Pick<AuthSettings, 'CURSOR_SECRET' | 'CURSOR_SECRET_ARN'>,
): (() => Promise<string>) => {
  const { CURSOR_SECRET: inline, CURSOR_SECRET_ARN: arn } = settings;
  if (inline !== undefined && arn !== undefined)
    throw new ConfigError('Invalid configuration: CURSOR_SECRET and CURSOR_SECRET_ARN are both set; set one');
  if (inline !== undefined) return async () => inline;
  if (arn === undefined)
    throw new ConfigError(
      'Invalid configuration: CURSOR_SECRET: Required (or CURSOR_SECRET_ARN, the Secrets Manager secret holding it)',
    );
  const provider = new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient({ region: settings.AWS_REGION }),
  });
  let cached: string | undefined;
  return async () => {
    if (cached !== undefined) return cached;
    const value = await provider.get(arn);
    if (typeof value !== 'string' || value.length < 32)
      throw new ConfigError(`The secret ${arn} must hold a cursor key of at least 32 characters`);
    cached = value;
    return value;
  };
};
