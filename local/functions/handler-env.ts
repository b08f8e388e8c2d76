import type { Provisioned } from '../provision';

/**
 * The environment the handlers get in the local stack: the settings of `lambdas/shared/config.ts`,
 * pointing at the emulators. All handlers share one process here, so this is the union of what each
 * function gets on AWS. Anything else already in the environment (CHUNK_MAX_ROWS, LOG_LEVEL…) passes
 * through unchanged.
 */

export interface HandlerEnvInput {
  region: string;
  provisioned: Provisioned;
  /** The S3 front: handlers presign URLs for the browser, so they must use the endpoint it can reach. */
  s3Endpoint: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  /** The outbound SES emulator (replies to emailed imports). */
  sesEndpoint: string;
  /** Sender of those replies. */
  replyFrom: string;
  authIssuer: string;
  clientId: string;
  cursorSecret: string;
  logLevel: string;
}

export const handlerEnvironment = (input: HandlerEnvInput): Record<string, string> => ({
  AWS_REGION: input.region,
  AWS_DEFAULT_REGION: input.region,
  // The emulators accept any credentials; fixed ones keep the SDK from searching profiles or IMDS.
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  BUCKET_NAME: input.provisioned.bucket,
  STATE_TABLE: input.provisioned.tables.state,
  RECORDS_TABLE: input.provisioned.tables.records,
  CHUNKS_QUEUE_URL: input.provisioned.queues.chunks.url,
  FINALIZE_QUEUE_URL: input.provisioned.queues.finalize.url,
  INTAKE_QUEUE_URL: input.provisioned.queues.intake.url,
  S3_ENDPOINT: input.s3Endpoint,
  SQS_ENDPOINT: input.sqsEndpoint,
  DYNAMODB_ENDPOINT: input.dynamoEndpoint,
  SES_ENDPOINT: input.sesEndpoint,
  REPLY_FROM: input.replyFrom,
  AUTH_ISSUER: input.authIssuer,
  AUTH_CLIENT_IDS: input.clientId,
  CURSOR_SECRET: input.cursorSecret,
  LOG_LEVEL: input.logLevel,
});
