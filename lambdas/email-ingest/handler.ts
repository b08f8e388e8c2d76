import type { SESEvent } from 'aws-lambda';
import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { type EmailRoutingDeps, IngestOutcome, routeEmail } from './email-ingest';
import { sesReceiptEventSchema, toEmailReceipt } from './receipt';
import { emailIngestSettings } from './settings';

/** SES receipt rule → email-ingest (asynchronous invocation, after the S3 action stored the message). */

// Cold start: settings are checked and clients built once per container.
const config = loadConfig(emailIngestSettings);
const logger = createLogger(config, 'email-ingest');
const ports = createPorts(config);
const deps: EmailRoutingDeps = {
  bucket: ports.bucket,
  addresses: ports.addresses,
  forAccount: (account) => {
    const { objects, tasks, emailSettings, messages, finalize } = ports.forAccount(account);
    return {
      objects,
      tasks,
      settings: emailSettings,
      messages,
      replies: finalize,
      limits: config,
      logger,
      now: () => new Date(),
    };
  },
};

/**
 * Ingests every message of the event. A failure is thrown after the other records were tried, so Lambda
 * retries the event (twice, for asynchronous invocations); ingest is idempotent, so records that went
 * through the first time change nothing the second.
 */
export const handler = async (event: SESEvent): Promise<void> => {
  const parsed = sesReceiptEventSchema.safeParse(event);
  if (!parsed.success) {
    // Retrying cannot fix a malformed event: log it for an operator instead.
    logger.error('Not an SES receipt event; dropped', { issues: parsed.error.issues });
    return;
  }
  const failures: unknown[] = [];
  for (const record of parsed.data.Records) {
    const receipt = toEmailReceipt(record);
    try {
      for (const { account, result } of await routeEmail(deps, receipt)) {
        // A message nobody could be told about is worth an operator's look.
        const log = result.outcome === IngestOutcome.UNREADABLE ? logger.warn : logger.info;
        log.call(logger, 'Message handled', { messageId: receipt.messageId, account, ...result });
      }
    } catch (error) {
      logger.error('Message failed; the event will be retried', { messageId: receipt.messageId, error });
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} messages failed`);
};
