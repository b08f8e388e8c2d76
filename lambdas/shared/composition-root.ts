import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
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
import type { AwsSettings, FinalizeQueueSettings, QueueSettings, StorageSettings } from './config';
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
