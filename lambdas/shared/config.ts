import { z } from 'zod';
import { ConfigError } from './errors';
import { PART_URL_TTL_SECONDS } from './links';
import { QUEUES, type QueueDefinition, SES_MAX_MESSAGE_BYTES } from './resource-definitions';

/**
 * Settings come from the environment, are parsed once at cold start and fail loudly when missing.
 * Each stage composes the pieces it needs, so a function gets only its own settings.
 */

const url = z.url();
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const awsSettings = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Endpoint overrides: set only by the local stack; on AWS the SDK's defaults are used. */
  S3_ENDPOINT: url.optional(),
  SQS_ENDPOINT: url.optional(),
  DYNAMODB_ENDPOINT: url.optional(),
  SES_ENDPOINT: url.optional(),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

/** One piece per resource: a stage's schema names exactly the ones it uses, and gets exactly those. */
export const bucketSettings = z.object({ BUCKET_NAME: z.string().min(3) });
export const stateTableSettings = z.object({ STATE_TABLE: z.string().min(3) });
export const recordsTableSettings = z.object({ RECORDS_TABLE: z.string().min(3) });
export const chunksQueueSettings = z.object({ CHUNKS_QUEUE_URL: url });
export const finalizeQueueSettings = z.object({ FINALIZE_QUEUE_URL: url });
/**
 * The finalize queue as the way to the reply step, for stages that end tasks but never finalize one. Only a
 * deployment with email imports has emailed tasks to hand over, so only there is it set.
 */
export const replyQueueSettings = z.object({ FINALIZE_QUEUE_URL: url.optional() });
/** The intake queue, where an import that waited for a free slot of its account is sent to start. */
export const intakeQueueSettings = z.object({ INTAKE_QUEUE_URL: url });
/**
 * Imports of one account validating or processing at once (DESIGN §11); more wait PENDING and start as
 * others end. An operator can set another limit for one account (`npm run account-limits`).
 */
export const importLimitSettings = z.object({
  IMPORTS_IN_FLIGHT: positiveInt(3),
  /**
   * Chunks of one account on the chunks queue at once, shared by its imports in flight: each import keeps
   * its share queued, so the workers go round the accounts with work rather than through one account's
   * whole file first. The CDK stack sets twice the chunk workers; the local stack twice its threads.
   */
  CHUNK_WINDOW: positiveInt(40),
});

export const chunkingSettings = z.object({
  /** Upper bounds of one chunk; whichever is reached first closes it (docs/capacity.md: why 5,000). */
  CHUNK_MAX_ROWS: positiveInt(5000),
  CHUNK_MAX_BYTES: positiveInt(4 * 1024 * 1024),
  /** One record longer than this is a TOO_LONG row error, never loaded whole. */
  MAX_RECORD_BYTES: positiveInt(1024 * 1024),
  /** Record-store requests in flight at once in one chunk worker. */
  WRITE_CONCURRENCY: positiveInt(4),
  /** Records per insert request; 25 is DynamoDB's limit of statements per BatchExecuteStatement. */
  WRITE_BATCH_SIZE: positiveInt(25).pipe(z.number().max(25)),
});

export const authSettings = z.object({
  /** Token issuer: the Cognito user pool URL on AWS, the local stack's signer locally. */
  AUTH_ISSUER: url,
  /** App client ids whose access tokens are accepted (comma separated). */
  AUTH_CLIENT_IDS: z
    .string()
    .min(1)
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  AUTH_ADMIN_GROUP: z.string().min(1).default('admins'),
  /**
   * HMAC key that signs paging cursors so they cannot be forged into other keys. On AWS the function gets
   * `CURSOR_SECRET_ARN` instead and reads the key from Secrets Manager (`cursorSecretSource`); exactly one
   * of the two must be set.
   */
  CURSOR_SECRET: z.string().min(32).optional(),
  CURSOR_SECRET_ARN: z.string().startsWith('arn:').optional(),
});

/** Email imports: limits on a received message, and the reply's sender. */
export const emailLimitSettings = z.object({
  /** SES receives messages up to 40 MB; a larger stored message is refused before parsing. */
  MAX_EMAIL_BYTES: positiveInt(SES_MAX_MESSAGE_BYTES),
  /** MIME parts of one message, nested messages included: thousands of tiny parts are refused. */
  MAX_EMAIL_PARTS: positiveInt(200),
  /** Multipart and forwarded-message nesting. */
  MAX_EMAIL_DEPTH: positiveInt(8),
});

export const replySettings = z.object({
  /** Sender of reply emails (an address at the verified import domain); no replies without it. */
  REPLY_FROM: z.email().optional(),
});

/**
 * How many receives each queue allows before SQS moves a message to its dead-letter queue. A consumer gives
 * up on the last one (ends the task with a reason) before failing it into the DLQ. CDK and the local stack
 * set these from the queue definitions they built the redrive policies from; the defaults are the same.
 */
const maxReceives = (id: QueueDefinition['id']) =>
  positiveInt(QUEUES.find((queue) => queue.id === id)?.maxReceiveCount ?? 1);

export const receiveSettings = z.object({
  INTAKE_MAX_RECEIVE_COUNT: maxReceives('intake'),
  CHUNKS_MAX_RECEIVE_COUNT: maxReceives('chunks'),
  FINALIZE_MAX_RECEIVE_COUNT: maxReceives('finalize'),
});

/**
 * The watchdog's idle timeouts, seconds. A queue's work is given up on only after its message could have
 * used every receive (visibility timeout × (max receives + 1)), so a healthy retry is never cut short.
 */
export const watchdogTimeouts = (visibilityOf: (id: QueueDefinition['id']) => number) => {
  const retries = (id: QueueDefinition['id']) =>
    visibilityOf(id) * ((QUEUES.find((queue) => queue.id === id)?.maxReceiveCount ?? 1) + 1);
  return {
    /** PENDING: the browser's upload URLs expire, then the intake message has its receives. */
    pending: PART_URL_TTL_SECONDS + retries('intake'),
    validating: retries('intake'),
    /** PROCESSING with chunks not counted. */
    processing: retries('chunks'),
    /** PROCESSING with every chunk counted: once to re-send finalize, once more to end it from its counters. */
    finalizing: retries('finalize'),
  };
};

const deployedTimeouts = watchdogTimeouts(
  (id) => QUEUES.find((queue) => queue.id === id)?.visibilityTimeoutSeconds ?? 0,
);

export const watchdogTimeoutSettings = z.object({
  WATCHDOG_PENDING_TIMEOUT_SECONDS: positiveInt(deployedTimeouts.pending),
  WATCHDOG_VALIDATING_TIMEOUT_SECONDS: positiveInt(deployedTimeouts.validating),
  WATCHDOG_PROCESSING_TIMEOUT_SECONDS: positiveInt(deployedTimeouts.processing),
  WATCHDOG_FINALIZING_TIMEOUT_SECONDS: positiveInt(deployedTimeouts.finalizing),
});

/** Parses `env` against the merged settings schemas or throws a ConfigError that lists every problem. */
export const loadConfig = <Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
};

export type AwsSettings = z.infer<typeof awsSettings>;
export type BucketSettings = z.infer<typeof bucketSettings>;
export type StateTableSettings = z.infer<typeof stateTableSettings>;
export type RecordsTableSettings = z.infer<typeof recordsTableSettings>;
export type ChunksQueueSettings = z.infer<typeof chunksQueueSettings>;
export type IntakeQueueSettings = z.infer<typeof intakeQueueSettings>;
export type ImportLimitSettings = z.infer<typeof importLimitSettings>;
export type FinalizeQueueSettings = z.infer<typeof finalizeQueueSettings>;
export type ChunkingSettings = z.infer<typeof chunkingSettings>;
export type AuthSettings = z.infer<typeof authSettings>;
export type EmailLimitSettings = z.infer<typeof emailLimitSettings>;
export type WatchdogTimeoutSettings = z.infer<typeof watchdogTimeoutSettings>;
