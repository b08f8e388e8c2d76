import { createEmailStores, createLogger, createMailSender, createStores } from '../shared/composition-root';
import { awsSettings, loadConfig, receiveSettings, replySettings, storageSettings } from '../shared/config';
import { finalizeMessageSchema } from '../shared/model';
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { type EmailReplyDeps, ReplyOutcome, replyWhenEmailDone } from './email-reply';
import { EndOutcome, endFromCounters, type FinalizeDeps, finalizeImport } from './finalize-import';

// Cold start: settings are checked and clients built once per container, not per message.
const config = loadConfig(
  awsSettings.extend(storageSettings.shape).extend(replySettings.shape).extend(receiveSettings.shape),
);
const logger = createLogger(config, 'finalize-import');
const { objects, tasks } = createStores(config);
const deps: FinalizeDeps = { objects, tasks, logger };
const replies: EmailReplyDeps = {
  objects,
  tasks,
  messages: createEmailStores(config).messages,
  mail: createMailSender(config),
  replyFrom: config.REPLY_FROM,
  logger,
  now: () => new Date(),
};

/**
 * Finalize queue consumer: one FinalizeMessage per record, failures reported per message. A task that
 * came by email may complete its email: the reply is sent here, after the final status, for tasks that
 * ended here or earlier (ingest and validate-file hand theirs over). A failed reply fails the message,
 * which is retried: finalizing again changes nothing, and the reply is tried again.
 */
export const handler = createSqsHandler(
  finalizeMessageSchema,
  logger,
  async (message) => {
    const task = await finalizeImport(deps, message);
    const reply = await replyWhenEmailDone(replies, task);
    if (reply !== ReplyOutcome.NOT_EMAIL) logger.info('Email reply', { importId: task.importId, reply });
  },
  config.FINALIZE_MAX_RECEIVE_COUNT,
  // The last receive: the task still ends, from its counters, saying its reports are missing (a task already
  // final, whose reply was what failed, is left as it is); a redrive once the cause is fixed is harmless.
  async (message, _delivery, error) => {
    const cause = causeOf(error);
    const ended = await endFromCounters(
      deps,
      message.importId,
      `the exceptions and Result Data reports could not be written (${cause})`,
    ).catch((endError: unknown) => {
      logger.error('Ending the task from its counters failed too', {
        importId: message.importId,
        error: endError,
      });
      return undefined;
    });
    if (ended?.outcome === EndOutcome.ENDED && ended.task) {
      await replyWhenEmailDone(replies, ended.task).catch((replyError: unknown) =>
        logger.error('Reply after ending without reports failed', {
          importId: message.importId,
          error: replyError,
        }),
      );
    }
    logger.error('Finalize failed on its last receive', {
      importId: message.importId,
      ended: ended?.outcome,
    });
  },
);
