import { z } from 'zod';
import { ConfigError } from './errors';

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

export const storageSettings = z.object({
  BUCKET_NAME: z.string().min(3),
  STATE_TABLE: z.string().min(3),
  RECORDS_TABLE: z.string().min(3),
});

export const queueSettings = z.object({
  CHUNKS_QUEUE_URL: url,
  FINALIZE_QUEUE_URL: url,
});

/** The finalize queue alone, for stages that only hand finished tasks over to finalize-import. */
export const finalizeQueueSettings = queueSettings.pick({ FINALIZE_QUEUE_URL: true });

export const chunkingSettings = z.object({
  /** Upper bounds of one chunk; whichever is reached first closes it. */
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
  /** HMAC key that signs paging cursors so they cannot be forged into other keys. */
  CURSOR_SECRET: z.string().min(32),
});

/** Email imports: limits on a received message, and the reply's sender. */
export const emailLimitSettings = z.object({
  /** SES receives messages up to 40 MB; a larger stored message is refused before parsing. */
  MAX_EMAIL_BYTES: positiveInt(40 * 1024 * 1024),
  /** MIME parts of one message, nested messages included: thousands of tiny parts are refused. */
  MAX_EMAIL_PARTS: positiveInt(200),
  /** Multipart and forwarded-message nesting. */
  MAX_EMAIL_DEPTH: positiveInt(8),
});

export const replySettings = z.object({
  /** Sender of reply emails (an address at the verified import domain); no replies without it. */
  REPLY_FROM: z.email().optional(),
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
export type StorageSettings = z.infer<typeof storageSettings>;
export type QueueSettings = z.infer<typeof queueSettings>;
export type FinalizeQueueSettings = z.infer<typeof finalizeQueueSettings>;
export type ChunkingSettings = z.infer<typeof chunkingSettings>;
export type AuthSettings = z.infer<typeof authSettings>;
export type EmailLimitSettings = z.infer<typeof emailLimitSettings>;
export type ReplySettings = z.infer<typeof replySettings>;
