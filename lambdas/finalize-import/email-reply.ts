import type { Logger } from '@aws-lambda-powertools/logger';
import type { EmailMessage } from '../shared/email-message';
import { LINK_TTL_SECONDS, reportDownloadName } from '../shared/links';
import { isFinalStatus, type TaskRecord, TaskSource, TaskStatus } from '../shared/model';
import { exceptionsKey, messageIdFromInboundKey, resultsKey } from '../shared/object-keys';
import type { EmailMessageStore, MailSender, ObjectStore, TaskStore } from '../shared/ports';
import { composeReply, type ReplyFile } from './compose-reply';

export interface EmailReplyDeps {
  tasks: TaskStore;
  objects: ObjectStore;
  messages: EmailMessageStore;
  mail: MailSender;
  /** Sender of replies; without it no reply is sent (and each would-be reply is logged). */
  replyFrom?: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => Date;
}

/** What happened to the reply of a task's email; the handler logs it and tests assert it. */
export const ReplyOutcome = {
  NOT_EMAIL: 'not-email',
  /** The task is not final yet (a finalize message for a task still running). */
  NOT_FINAL: 'not-final',
  NO_RECORD: 'no-record',
  REPLY_OFF: 'reply-off',
  ALREADY_SENT: 'already-sent',
  /** Another task of the email is not final yet: its own end sends the reply. */
  WAITING: 'waiting',
  NOT_CONFIGURED: 'not-configured',
  /** Another finalization of the same email is sending it right now. */
  CLAIMED_ELSEWHERE: 'claimed-elsewhere',
  SENT: 'sent',
} as const;
export type ReplyOutcome = (typeof ReplyOutcome)[keyof typeof ReplyOutcome];

/** Failed rows listed per file; the exceptions report has them all. */
export const FIRST_ERRORS = 5;
/** A claim older than this belongs to a sender that died before it could send or give the claim back. */
const CLAIM_STALE_MS = 5 * 60 * 1000;

/** Reports exist only for imports that ran; a link is given only to a report that is there. */
const reportLinks = async (deps: EmailReplyDeps, task: TaskRecord): Promise<ReplyFile['links']> => {
  if (task.status === TaskStatus.VALIDATION_FAILED) return {};
  const links: ReplyFile['links'] = {};
  for (const [kind, key] of [
    ['exceptions', exceptionsKey(task.importId)],
    ['results', resultsKey(task.importId)],
  ] as const) {
    if (await deps.objects.head(key)) {
      links[kind] = await deps.objects.presignGet(
        key,
        LINK_TTL_SECONDS,
        reportDownloadName(task.fileName, kind),
      );
    }
  }
  return links;
};

const describeFile = async (deps: EmailReplyDeps, task: TaskRecord): Promise<ReplyFile> => {
  const errors =
    task.errorCount > 0 ? (await deps.tasks.listRowErrors(task.importId, FIRST_ERRORS)).items : [];
  return {
    fileName: task.fileName,
    status: task.status,
    ...(task.statusReason ? { statusReason: task.statusReason } : {}),
    ...(task.totalRows !== undefined ? { totalRows: task.totalRows } : {}),
    successCount: task.successCount,
    errorCount: task.errorCount,
    firstErrors: errors,
    links: await reportLinks(deps, task),
  };
};

const sendReply = async (
  deps: EmailReplyDeps,
  message: EmailMessage,
  tasks: readonly TaskRecord[],
  replyFrom: string,
): Promise<string> => {
  // Taken before signing, so the stated expiry is never later than the real one.
  const expiresAt = new Date(deps.now().getTime() + LINK_TTL_SECONDS * 1000).toISOString();
  const files = await Promise.all(tasks.map((task) => describeFile(deps, task)));
  const hasLinks = files.some((file) => file.links.exceptions || file.links.results);
  const reply = composeReply({
    subject: message.subject,
    receivedAt: message.receivedAt,
    files,
    ...(hasLinks ? { linksExpireAt: expiresAt } : {}),
  });
  return deps.mail.send({ from: replyFrom, to: message.from, ...reply });
};

/**
 * Sends the sender of an emailed import one reply, once every task of that email is final: whichever
 * task ends last sends it, and a conditional claim on the message makes two tasks ending at once send
 * one reply between them. Only allowed senders have a message record (ingest drops the others before
 * recording anything), so a stranger is never answered. A failed send gives the claim back and throws,
 * so the finalize message is retried and the reply with it.
 */
export const replyWhenEmailDone = async (deps: EmailReplyDeps, task: TaskRecord): Promise<ReplyOutcome> => {
  const messageId = task.emailKey ? messageIdFromInboundKey(task.emailKey) : undefined;
  if (task.source !== TaskSource.EMAIL || !messageId) return ReplyOutcome.NOT_EMAIL;
  if (!isFinalStatus(task.status)) return ReplyOutcome.NOT_FINAL;
  const message = await deps.messages.get(messageId);
  if (!message) {
    deps.logger.warn('Email task without its message record: no reply', {
      importId: task.importId,
      messageId,
    });
    return ReplyOutcome.NO_RECORD;
  }
  if (!message.reply) return ReplyOutcome.REPLY_OFF;
  if (message.replySentAt) return ReplyOutcome.ALREADY_SENT;

  const siblings = await Promise.all(
    message.importIds.map((importId) => (importId === task.importId ? task : deps.tasks.get(importId))),
  );
  const tasks = siblings.filter((sibling): sibling is TaskRecord => sibling !== undefined);
  if (tasks.length < message.importIds.length || tasks.some((sibling) => !isFinalStatus(sibling.status))) {
    return ReplyOutcome.WAITING;
  }
  if (!deps.replyFrom) {
    deps.logger.warn('REPLY_FROM is not set: the reply to an emailed import is not sent', { messageId });
    return ReplyOutcome.NOT_CONFIGURED;
  }

  const now = deps.now();
  const claimedAt = now.toISOString();
  const staleBefore = new Date(now.getTime() - CLAIM_STALE_MS).toISOString();
  if (!(await deps.messages.claimReply(messageId, claimedAt, staleBefore)))
    return ReplyOutcome.CLAIMED_ELSEWHERE;
  let replyMessageId: string;
  try {
    replyMessageId = await sendReply(deps, message, tasks, deps.replyFrom);
  } catch (error) {
    await deps.messages.releaseReply(messageId, claimedAt);
    throw error;
  }
  await deps.messages.markReplySent(messageId, claimedAt, deps.now().toISOString(), replyMessageId);
  deps.logger.info('Reply sent', { messageId, to: message.from, replyMessageId, files: tasks.length });
  return ReplyOutcome.SENT;
};
