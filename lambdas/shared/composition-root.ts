import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccountId } from './account';
import { AccountObjectStore, AccountQueue } from './account-scope';
import { DynamoAddressRegistry } from './adapters/dynamo-address-registry';
import { DynamoEmailMessageStore } from './adapters/dynamo-email-message-store';
import { DynamoImportSlots } from './adapters/dynamo-import-slots';
import { DynamoMappingStore } from './adapters/dynamo-mapping-store';
import { DynamoRecordStore } from './adapters/dynamo-record-store';
import { DynamoSettingsStore } from './adapters/dynamo-settings-store';
import { DynamoOpenTaskIndex, DynamoTaskStore } from './adapters/dynamo-task-store';
import { S3ObjectStore } from './adapters/s3-object-store';
import { SesMailSender } from './adapters/ses-mail-sender';
import { SqsQueue } from './adapters/sqs-queue';
import type {
  AuthSettings,
  AwsSettings,
  BucketSettings,
  ChunksQueueSettings,
  FinalizeQueueSettings,
  IntakeQueueSettings,
  RecordsTableSettings,
  StateTableSettings,
} from './config';
import { sameAddress } from './email-settings';
import { ConfigError } from './errors';
import type { ChunkMessage, FinalizeMessage, StartMessage } from './model';
import type {
  AddressRegistry,
  Bucket,
  EmailMessageStore,
  ImportSlots,
  MailSender,
  MappingStore,
  MessageQueue,
  ObjectStore,
  OpenTaskIndex,
  RecordStore,
  SettingsStore,
  TaskStore,
} from './ports';

/**
 * The one place that builds AWS clients and adapters, each port on demand. Endpoint overrides (the local
 * stack's emulators) are applied here and nowhere else; on AWS they are absent and the SDK defaults apply.
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

const createSqsClient = (settings: AwsSettings): SQSClient =>
  new SQSClient({
    region: settings.AWS_REGION,
    // Without this the client follows the queue URL's host, which the local emulator does not serve.
    useQueueUrlAsEndpoint: false,
    ...(settings.SQS_ENDPOINT ? { endpoint: settings.SQS_ENDPOINT } : {}),
  });

const createDocumentClient = (settings: AwsSettings): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: settings.AWS_REGION,
      ...(settings.DYNAMODB_ENDPOINT ? { endpoint: settings.DYNAMODB_ENDPOINT } : {}),
    }),
    { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
  );

const createSesClient = (settings: AwsSettings): SESClient =>
  new SESClient({
    region: settings.AWS_REGION,
    ...(settings.SES_ENDPOINT ? { endpoint: settings.SES_ENDPOINT } : {}),
  });

/** The ports of one account's data: every key each of them reads or writes is that account's. */
export interface AccountPorts {
  objects: ObjectStore;
  tasks: TaskStore;
  records: RecordStore;
  /** Email Import Settings, in the state table. */
  emailSettings: SettingsStore;
  /** Received messages and their replies, in the state table. */
  messages: EmailMessageStore;
  /** Saved mappings per template and header, in the state table. */
  mappings: MappingStore;
  chunks: MessageQueue<ChunkMessage>;
  finalize: MessageQueue<FinalizeMessage>;
  /**
   * The way to the reply step (the finalize queue), where the deployment has email imports: only there is
   * `FINALIZE_QUEUE_URL` set on functions that end tasks without finalizing them.
   */
  replies: MessageQueue<FinalizeMessage> | undefined;
  /** The account's import slots (imports in flight). */
  slots: ImportSlots;
  /** The intake queue, for starting an import that waited for a slot. */
  starts: MessageQueue<StartMessage>;
}

/** The ports that are no one account's. */
interface SharedPorts {
  /** The bucket with its stored keys, for what no account holds yet: a message SES has just stored. */
  bucket: Bucket;
  /** Open tasks of every account, for the watchdog. */
  openTasks: OpenTaskIndex;
  /** Which account holds each import address. */
  addresses: AddressRegistry;
  mail: MailSender;
}

/** The settings each port is built from. */
interface PortSettings {
  objects: BucketSettings;
  tasks: StateTableSettings;
  records: RecordsTableSettings;
  emailSettings: StateTableSettings;
  messages: StateTableSettings;
  mappings: StateTableSettings;
  chunks: ChunksQueueSettings;
  finalize: FinalizeQueueSettings;
  replies: Partial<FinalizeQueueSettings>;
  slots: StateTableSettings;
  starts: IntakeQueueSettings;
  bucket: BucketSettings;
  openTasks: StateTableSettings;
  addresses: StateTableSettings;
  mail: AwsSettings;
}

type Available<S, T> = {
  [K in keyof T as K extends keyof PortSettings ? (S extends PortSettings[K] ? K : never) : never]: T[K];
};

/** The ports of one account that a function with settings `S` can build. */
export type AccountPortsOf<S> = Available<S, AccountPorts>;

/**
 * The ports a function with settings `S` can build: a port whose settings its schema lacks is not there.
 * `forAccount(account)` is one account's; it is made once per account and instance.
 */
export type PortsOf<S> = Available<S, SharedPorts> & { forAccount(account: AccountId): AccountPortsOf<S> };

/**
 * The one composition root: each port is built the first time the handler reads it, and each AWS client
 * the first time a port needs it, so a function creates exactly the clients of the ports it uses.
 */
export const createPorts = <S extends AwsSettings>(settings: S): PortsOf<S> => {
  const named = settings as unknown as Record<string, string | undefined>;
  // The types keep a port out of reach without its settings; this says which one when JavaScript calls.
  const setting = (name: string): string => {
    const value = named[name];
    if (value === undefined)
      throw new ConfigError(`Invalid configuration: ${name}: Required by a port in use`);
    return value;
  };
  const s3 = once(() => createS3Client(settings));
  const db = once(() => createDocumentClient(settings));
  const sqs = once(() => createSqsClient(settings));
  const bucket = once(() => new S3ObjectStore(s3(), setting('BUCKET_NAME')));
  const chunks = once(() => new SqsQueue<ChunkMessage>(sqs(), setting('CHUNKS_QUEUE_URL')));
  const finalize = once(() => new SqsQueue<FinalizeMessage>(sqs(), setting('FINALIZE_QUEUE_URL')));
  const intake = once(() => new SqsQueue<StartMessage>(sqs(), setting('INTAKE_QUEUE_URL')));
  const shared = lazyPorts<SharedPorts>({
    bucket,
    openTasks: () => new DynamoOpenTaskIndex(db(), setting('STATE_TABLE')),
    addresses: () =>
      new DynamoAddressRegistry(db(), setting('STATE_TABLE'), async (holder, address) => {
        const saved = await new DynamoSettingsStore(db(), setting('STATE_TABLE'), holder).getEmailSettings();
        return (saved?.addresses ?? []).some((entry) => sameAddress(entry.address, address));
      }),
    mail: () => new SesMailSender(createSesClient(settings)),
  });
  const accounts = new Map<AccountId, AccountPorts>();
  const forAccount = (account: AccountId): AccountPorts => {
    let ports = accounts.get(account);
    if (!ports) {
      const scoped: AccountPorts = lazyPorts<AccountPorts>({
        objects: () => new AccountObjectStore(bucket(), account),
        tasks: () => new DynamoTaskStore(db(), setting('STATE_TABLE'), account),
        records: () => new DynamoRecordStore(db(), setting('RECORDS_TABLE'), account),
        emailSettings: () => new DynamoSettingsStore(db(), setting('STATE_TABLE'), account),
        messages: () => new DynamoEmailMessageStore(db(), setting('STATE_TABLE'), account),
        mappings: () => new DynamoMappingStore(db(), setting('STATE_TABLE'), account),
        chunks: () => new AccountQueue(chunks(), account),
        finalize: () => new AccountQueue(finalize(), account),
        // The same queue object as `finalize` where the setting is there, not a second client for one URL.
        replies: () => (named.FINALIZE_QUEUE_URL === undefined ? undefined : scoped.finalize),
        slots: () => new DynamoImportSlots(db(), setting('STATE_TABLE'), account),
        starts: () => new AccountQueue(intake(), account),
      });
      ports = scoped;
      accounts.set(account, ports);
    }
    return ports;
  };
  Object.defineProperty(shared, 'forAccount', { value: forAccount, enumerable: true });
  return shared as unknown as PortsOf<S>;
};

const once = <T>(build: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: build() };
    return made.value;
  };
};

/** An object whose every property is built by its builder the first time it is read. */
const lazyPorts = <T extends object>(builders: { [K in keyof T]: () => T[K] }): T => {
  const ports = {} as T;
  for (const [name, build] of Object.entries(builders) as [string, () => unknown][]) {
    Object.defineProperty(ports, name, { get: once(build), enumerable: true });
  }
  return ports;
};

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
