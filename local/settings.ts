import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Settings of the local stack, read once from the environment at start. Every internal port derives from
 * `IMPORTS_PORT`, so two stacks with different ports and data dirs run side by side.
 */

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1024, { error: 'must be between 1024 and 65535' })
    .max(65535, { error: 'must be between 1024 and 65535' })
    .default(fallback);

const concurrency = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 (queue not consumed) or more' })
    .max(32, { error: 'must be at most 32' })
    .default(fallback);

/** Offsets from `IMPORTS_PORT`; +4 and up stay free for the SES emulator and later services. */
export const PORT_OFFSETS = { api: 0, s3: 1, fauxqs: 2, dynamo: 3, ses: 4 } as const;
/** How many consecutive ports one stack reserves from its base. */
export const PORT_SPAN = 6;

export const localSettingsSchema = z.object({
  IMPORTS_PORT: port(3000).refine((value) => value + PORT_SPAN - 1 <= 65535, {
    error: `must leave room for the ${PORT_SPAN} ports the stack derives from it`,
  }),
  IMPORTS_DATA_DIR: z.string().min(1, { error: 'must not be empty' }).default('.data'),
  IMPORTS_SMTP_PORT: port(2525),
  /** Seconds a received message stays hidden; live invocations keep extending it (see poller). */
  IMPORTS_VISIBILITY_TIMEOUT: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(2, { error: 'must be at least 2 seconds' })
    .max(43200, { error: 'must be at most 43200 seconds (SQS limit)' })
    .default(30),
  /** Concurrent batches per queue; 0 leaves the queue unconsumed, like a disabled event source mapping. */
  IMPORTS_INTAKE_CONCURRENCY: concurrency(1),
  IMPORTS_CHUNKS_CONCURRENCY: concurrency(2),
  IMPORTS_FINALIZE_CONCURRENCY: concurrency(1),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export interface Ports {
  api: number;
  s3: number;
  fauxqs: number;
  dynamo: number;
  ses: number;
  smtp: number;
}

export interface DataPaths {
  root: string;
  /** fauxqs SQLite state (queues, messages). */
  sqs: string;
  /** fauxqs object files (kept out of SQLite, which bloats with large objects). */
  s3: string;
  /** dynalite LevelDB. */
  dynamo: string;
  /** Local signing key and cursor secret. */
  secrets: string;
  /** S3 notifications journaled before their request is forwarded. */
  notifications: string;
}

export interface LocalSettings {
  ports: Ports;
  paths: DataPaths;
  visibilityTimeoutSeconds: number;
  concurrency: { intake: number; chunks: number; finalize: number };
  region: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Every port of a stack, from its base port. */
export const derivePorts = (base: number, smtp: number): Ports => ({
  api: base + PORT_OFFSETS.api,
  s3: base + PORT_OFFSETS.s3,
  fauxqs: base + PORT_OFFSETS.fauxqs,
  dynamo: base + PORT_OFFSETS.dynamo,
  ses: base + PORT_OFFSETS.ses,
  smtp,
});

/** Where each piece of state lives under the data dir. */
export const dataPaths = (dataDir: string, cwd: string): DataPaths => {
  const root = isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir);
  return {
    root,
    sqs: join(root, 'sqs'),
    s3: join(root, 's3'),
    dynamo: join(root, 'dynamodb'),
    secrets: join(root, 'secrets'),
    notifications: join(root, 'notifications'),
  };
};

export class LocalSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSettingsError';
  }
}

/** Parses the local stack's settings or throws one error naming every bad variable. */
export const loadLocalSettings = (env: NodeJS.ProcessEnv, cwd: string): LocalSettings => {
  const parsed = localSettingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])} ${issue.message}`,
    );
    throw new LocalSettingsError(`Invalid local stack settings: ${problems.join('; ')}`);
  }
  const settings = parsed.data;
  const ports = derivePorts(settings.IMPORTS_PORT, settings.IMPORTS_SMTP_PORT);
  const base = settings.IMPORTS_PORT;
  if (ports.smtp >= base && ports.smtp < base + PORT_SPAN) {
    throw new LocalSettingsError(
      `Invalid local stack settings: IMPORTS_SMTP_PORT=${ports.smtp} collides with the ports derived from IMPORTS_PORT=${base} (${base}-${base + PORT_SPAN - 1})`,
    );
  }
  return {
    ports,
    paths: dataPaths(settings.IMPORTS_DATA_DIR, cwd),
    visibilityTimeoutSeconds: settings.IMPORTS_VISIBILITY_TIMEOUT,
    concurrency: {
      intake: settings.IMPORTS_INTAKE_CONCURRENCY,
      chunks: settings.IMPORTS_CHUNKS_CONCURRENCY,
      finalize: settings.IMPORTS_FINALIZE_CONCURRENCY,
    },
    region: settings.AWS_REGION,
    logLevel: settings.LOG_LEVEL,
  };
};
