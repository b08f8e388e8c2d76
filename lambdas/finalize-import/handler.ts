import { accountOf } from '../shared/account';
import { createLogger, createPorts } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { type FinalizeMessage, finalizeMessageSchema } from '../shared/model';
import { causeOf, createSqsHandler } from '../shared/sqs-handler';
import { afterEnding, endFromCounters } from '../shared/task-endings';
import { type EmailReplyDeps, replyWhenEmailDone } from './email-reply';
import { type FinalizeDeps, finalizeImport } from './finalize-import';
import { finalizeImportSettings } from './settings';

// Cold start: settings are checked and clients built once per container, not per message.
const config = loadConfig(finalizeImportSettings);
const logger = createLogger(config, 'finalize-import');
const ports = createPorts(config);
/** Each step works in the stores of the account its message names, and no other. */
const depsOf = (message: FinalizeMessage) => {
  const { objects, tasks, replies, messages, slots, starts } = ports.forAccount(accountOf(message));
  const finalize: FinalizeDeps = { objects, tasks, logger };
  const reply: EmailReplyDeps = {
    objects,
    tasks,
    messages,
    mail: ports.mail,
    replyFrom: config.REPLY_FROM,
    logger,
    now: () => new Date(),
  };
  return { tasks, replies, finalize, reply, endings: { tasks, replies, slots, starts } };
};

/**
 * Finalize queue consumer, one message per record, failures reported per message. Two steps, each reached
 * by its own message: `finalize` writes the reports and the final status, then hands an emailed task to the
 * reply step; `reply` answers the email once every task of it is final. A failed step fails its message,
 * which is retried alone: finalizing again changes nothing, and a reply is sent at most once.
 */
export const handler = createSqsHandler(
  finalizeMessageSchema,
  logger,
  async (message) => {
    const { tasks, finalize, reply: replyDeps, endings } = depsOf(message);
    if (message.kind === 'reply') {
      const task = await tasks.get(message.importId);
      const reply = task ? await replyWhenEmailDone(replyDeps, task) : 'no-task';
      logger.info('Email reply', { importId: message.importId, reply });
      return;
    }
    const task = await finalizeImport(finalize, message);
    // The emailed task goes on to the reply step, and the import's slot is given back.
    await afterEnding(endings, [task]);
  },
  config.FINALIZE_MAX_RECEIVE_COUNT,
  // The last receive of `finalize`: the task still ends, from its counters, saying its reports are missing
  // (an emailed one goes on to the reply step); a redrive once the cause is fixed is harmless. A reply that
  // failed every receive is left in the dead-letter queue for a redrive.
  async (message, _delivery, error) => {
    if (message.kind === 'reply') {
      logger.error('The reply failed on its last receive', { importId: message.importId });
      return;
    }
    const { finalize, endings } = depsOf(message);
    const { outcome } = await endFromCounters(
      { ...finalize, ...endings },
      message.importId,
      `the exceptions and Result Data reports could not be written (${causeOf(error)})`,
    );
    logger.error('Finalize failed on its last receive', { importId: message.importId, ended: outcome });
  },
);
