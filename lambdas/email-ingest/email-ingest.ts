import type { Logger } from '@aws-lambda-powertools/logger';
import type { AccountId } from '../shared/account';
import type { EmailLimitSettings } from '../shared/config';
import { formatSize } from '../shared/csv/sizes';
import { SNIFF_BYTES } from '../shared/csv/sniff';
import type { EmailMessage } from '../shared/email-message';
import {
  DEFAULT_EMAIL_SETTINGS,
  isSenderAllowed,
  normalAddress,
  routeRecipients,
} from '../shared/email-settings';
import { type FinalizeMessage, type TaskRecord, TaskSource, TaskStatus } from '../shared/model';
import { accountObjectKey, inboundKey, uploadKey } from '../shared/object-keys';
import type {
  AddressRegistry,
  Bucket,
  EmailMessageStore,
  MessageQueue,
  ObjectStore,
  SettingsStore,
  TaskStore,
} from '../shared/ports';
import { handToReply } from '../shared/task-endings';
import { capText } from '../shared/text';
import { binaryAfterDecoding } from './base64-check';
import {
  checkStructure,
  MAX_HEAD_BYTES,
  type MessageHeaders,
  MessageHeaderTooLargeError,
  MessageRejectedError,
  readHeaderStart,
  readHeaders,
  walkAttachments,
} from './mime';
import { emailImportId, type ListedAttachment, type PlannedTask, planTasks, rejectMessage } from './plan';
import { type EmailReceipt, failedVerdict, unauthenticatedSender } from './receipt';

export interface EmailIngestDeps {
  objects: ObjectStore;
  tasks: TaskStore;
  settings: SettingsStore;
  messages: EmailMessageStore;
  /** Tasks that are final from the start go straight on to the reply step. */
  replies: MessageQueue<FinalizeMessage>;
  limits: EmailLimitSettings;
  logger: Pick<Logger, 'info' | 'warn'>;
  now: () => Date;
}

/** What routing a received message to its accounts needs. */
export interface EmailRoutingDeps {
  /** The bucket, where SES stored the message under `inbound/{messageId}`, no account's yet. */
  bucket: Bucket;
  addresses: AddressRegistry;
  /** One account's ingest: its settings, tasks, messages and objects alone. */
  forAccount(account: AccountId): EmailIngestDeps;
}

/**
 * The most of what a sender wrote that a task or message item keeps, in characters: together far under
 * DynamoDB's 400 KB per item, however long the names and subject the email carries (up to 256 KB each).
 */
export const STORED_LIMITS = { fileName: 1024, subject: 2048, address: 512, reason: 4096 } as const;

/** What ingest did with one message; the handler logs it and tests assert it. */
export const IngestOutcome = {
  /** SES did not pass it as free of spam and viruses, or it failed its SPF or DKIM check. */
  FAILED_VERDICT: 'failed-verdict',
  /** Its From domain is not authenticated: no DMARC pass and no passing DKIM signature aligned with it. */
  UNAUTHENTICATED: 'unauthenticated',
  /** Email import is turned off. */
  DISABLED: 'disabled',
  /** No recipient is a configured import address. */
  UNROUTED: 'unrouted',
  /** The sender is not allowed (or the message names no single sender). */
  STRANGER: 'stranger',
  /** The message's own header block cannot be read, and no allowed sender could be found to tell. */
  UNREADABLE: 'unreadable',
  /** An automatic message (an auto-reply, a bounce, our own reply coming back). */
  AUTOMATED: 'automated',
  /** Tasks exist for the message (made now or by an earlier delivery). */
  TASKS: 'tasks',
} as const;
export type IngestOutcome = (typeof IngestOutcome)[keyof typeof IngestOutcome];

export interface IngestResult {
  outcome: IngestOutcome;
  /** Why a message was dropped, for the log. */
  detail?: string;
  importIds: string[];
}

const dropped = (outcome: IngestOutcome, detail: string): IngestResult => ({
  outcome,
  detail,
  importIds: [],
});

/**
 * Turns one received message (already stored under `inbound/`) into import tasks that run through the
 * same pipeline as uploads: each CSV attachment is stored at its task's upload key, which starts
 * validation. Mail that fails a verdict, whose From domain is not authenticated, is not for an import
 * address, or comes from a sender not allowed makes nothing and gets no reply. An allowed message without a CSV, with another kind of file, or that
 * cannot be read within the limits shows up as VALIDATION_FAILED tasks with a reason. A message whose own
 * header block is too large to read is judged by the sender named in its first MAX_HEAD_BYTES: an allowed
 * one gets a `(whole email)` task saying why, anything else is dropped with the reason in `detail`.
 *
 * Idempotent: task ids derive from the message id, every write is conditional, and a CSV already stored
 * is not stored again. Throws only for faults worth a retry (storage, network).
 */
export const ingestEmail = async (deps: EmailIngestDeps, receipt: EmailReceipt): Promise<IngestResult> => {
  const failed = failedVerdict(receipt);
  if (failed) return dropped(IngestOutcome.FAILED_VERDICT, failed);

  const settings = (await deps.settings.getEmailSettings()) ?? DEFAULT_EMAIL_SETTINGS;
  if (!settings.enabled) return dropped(IngestOutcome.DISABLED, 'email import is turned off');
  const route = routeRecipients(settings, receipt.recipients);
  if (!route)
    return dropped(IngestOutcome.UNROUTED, `no import address among ${receipt.recipients.join(', ')}`);

  const rawKey = inboundKey(receipt.messageId);
  const stored = await deps.objects.head(rawKey);
  // SES stores the message before it invokes us; a missing object is a delay worth a retry.
  if (!stored) throw new Error(`The raw message ${rawKey} is not stored (yet)`);

  let headers: MessageHeaders;
  // Why the message cannot be read at all, when its sender can still be told.
  let unreadable: string | undefined;
  try {
    headers = await readHeaders(await deps.objects.getStream(rawKey));
  } catch (error) {
    if (!(error instanceof MessageRejectedError)) throw error;
    if (!(error instanceof MessageHeaderTooLargeError))
      return dropped(IngestOutcome.UNREADABLE, error.reason);
    unreadable = error.reason;
    headers = await readHeaderStart(await deps.objects.getStream(rawKey));
  }
  const { from } = headers;
  if (!from) {
    const why =
      headers.fromCount === 0
        ? 'it has no From address'
        : `its From header names ${headers.fromCount} addresses`;
    if (unreadable) {
      return dropped(
        IngestOutcome.UNREADABLE,
        `${unreadable}; no single sender in its first ${formatSize(MAX_HEAD_BYTES)}, so nobody can be told`,
      );
    }
    return dropped(IngestOutcome.STRANGER, `no single sender: ${why}`);
  }
  // Anyone can write a From header: only an authenticated one is checked against the allowed senders.
  const unauthenticated = unauthenticatedSender(receipt, from);
  if (unauthenticated) return dropped(IngestOutcome.UNAUTHENTICATED, unauthenticated);
  if (!isSenderAllowed(settings, from)) {
    return dropped(
      IngestOutcome.STRANGER,
      `sender ${from} is not allowed${unreadable ? ` (and the email could not be read: ${unreadable})` : ''}`,
    );
  }
  const isImportAddress = settings.addresses.some((entry) => entry.address.trim().toLowerCase() === from);
  if ((headers.autoSubmitted !== undefined && headers.autoSubmitted !== 'no') || isImportAddress) {
    return dropped(IngestOutcome.AUTOMATED, `automatic message from ${from}`);
  }

  const planned = unreadable ? rejectMessage(unreadable) : await planMessage(deps, rawKey, stored.size);
  const importIds = planned.map((task) => emailImportId(receipt.messageId, task.slot));
  const message: EmailMessage = {
    messageId: receipt.messageId,
    from: capText(from, STORED_LIMITS.address),
    subject: capText(headers.subject ?? '', STORED_LIMITS.subject),
    receivedAt: receipt.receivedAt,
    recipient: route.address,
    templateId: route.templateId,
    importIds,
    reply: settings.replyToSender,
  };
  // Recorded before any task exists, so whoever finishes a task can find all of its siblings.
  const firstDelivery = await deps.messages.create(message);

  const tasks = await Promise.all(
    planned.map((task, index) => ensureTask(deps, message, task, importIds[index] ?? '', rawKey)),
  );
  await storeAttachments(deps, rawKey, planned, tasks);

  await handToReply(
    deps,
    tasks.filter((task) => task.status === TaskStatus.VALIDATION_FAILED),
  );
  deps.logger.info('Email ingested', {
    messageId: receipt.messageId,
    firstDelivery,
    templateId: route.templateId,
    tasks: tasks.map((task) => ({ importId: task.importId, fileName: task.fileName, status: task.status })),
  });
  return { outcome: IngestOutcome.TASKS, importIds };
};

/**
 * Routes a received message by its recipients (DESIGN §11): each import address belongs to one account,
 * and the message is ingested into each account holding one of its recipients, against that account's
 * settings and allowed senders, from a copy of the raw message under that account's `inbound/`. A copy
 * that made no task is removed again. Mail to no held address makes nothing.
 */
export const routeEmail = async (
  deps: EmailRoutingDeps,
  receipt: EmailReceipt,
): Promise<{ account?: AccountId; result: IngestResult }[]> => {
  const owners = await deps.addresses.owners(receipt.recipients);
  const accounts = [...new Set(owners.values())];
  if (accounts.length === 0) {
    const result = dropped(
      IngestOutcome.UNROUTED,
      `no import address among ${receipt.recipients.join(', ')}`,
    );
    return [{ result }];
  }
  const landing = inboundKey(receipt.messageId);
  const routed: { account: AccountId; result: IngestResult }[] = [];
  for (const account of accounts) {
    const copy = accountObjectKey(account, landing);
    if (!(await deps.bucket.head(copy))) {
      // SES stores the message before it invokes us; a missing object is a delay worth a retry.
      if (!(await deps.bucket.head(landing)))
        throw new Error(`The raw message ${landing} is not stored (yet)`);
      await deps.bucket.copy(landing, copy);
    }
    const recipients = receipt.recipients.filter(
      (recipient) => owners.get(normalAddress(recipient)) === account,
    );
    const result = await ingestEmail(deps.forAccount(account), { ...receipt, recipients });
    if (result.outcome !== IngestOutcome.TASKS) await deps.bucket.delete(copy);
    routed.push({ account, result });
  }
  return routed;
};

/**
 * Megabytes of attachments a message of `maxBytes` can carry: base64 makes 3 bytes 4, in lines of 76
 * characters plus CRLF (×1.368), and headers and the body take a little more: 40 MB carries about 29 MB.
 */
export const csvBudgetMb = (maxBytes: number): number => Math.floor(maxBytes / 1.37 / (1024 * 1024));

/** The tasks a message becomes: it is checked against the limits before anything parses it. */
const planMessage = async (deps: EmailIngestDeps, rawKey: string, size: number): Promise<PlannedTask[]> => {
  const { limits } = deps;
  if (size > limits.MAX_EMAIL_BYTES) {
    return rejectMessage(
      `The email is ${formatSize(size)}; the limit is ${formatSize(limits.MAX_EMAIL_BYTES)} per message, about ${csvBudgetMb(limits.MAX_EMAIL_BYTES)} MB of CSV once encoded: send the files in several emails or upload them in the console`,
    );
  }
  try {
    const structure = await checkStructure(await deps.objects.getStream(rawKey), {
      maxParts: limits.MAX_EMAIL_PARTS,
      maxDepth: limits.MAX_EMAIL_DEPTH,
    });
    const attachments: ListedAttachment[] = [];
    await walkAttachments(await deps.objects.getStream(rawKey), async (attachment) => {
      const { content, partId, transferEncoding, ...described } = attachment;
      const base64 = transferEncoding === 'base64';
      const head: Buffer[] = [];
      let bytes = 0;
      for await (const chunk of content as AsyncIterable<Buffer>) {
        if (base64 && bytes < SNIFF_BYTES) head.push(chunk.subarray(0, SNIFF_BYTES - bytes));
        bytes += chunk.length;
      }
      const binary = base64 ? binaryAfterDecoding(Buffer.concat(head)) : undefined;
      const undecodable =
        structure.undecodable.get(partId) ??
        (binary === undefined ? undefined : `what it decodes to is binary data, not text (${binary})`);
      attachments.push({ ...described, size: bytes, ...(undecodable === undefined ? {} : { undecodable }) });
    });
    return planTasks(attachments);
  } catch (error) {
    if (error instanceof MessageRejectedError) return rejectMessage(error.reason);
    throw error;
  }
};

/** Creates the task unless an earlier delivery did, and returns it as stored. */
const ensureTask = async (
  deps: EmailIngestDeps,
  message: EmailMessage,
  planned: PlannedTask,
  importId: string,
  rawKey: string,
): Promise<TaskRecord> => {
  const now = deps.now().toISOString();
  const fileName = capText(planned.fileName, STORED_LIMITS.fileName);
  const record: TaskRecord = {
    importId,
    templateId: message.templateId,
    fileName,
    source: TaskSource.EMAIL,
    email: { from: message.from, subject: message.subject, receivedAt: message.receivedAt },
    createdBy: message.from,
    createdAt: now,
    processedRows: 0,
    successCount: 0,
    errorCount: 0,
    objectKey: uploadKey(importId, fileName),
    emailKey: rawKey,
    ...(planned.size !== undefined ? { fileSize: planned.size } : {}),
    ...(planned.kind === 'csv'
      ? { status: TaskStatus.PENDING }
      : {
          status: TaskStatus.VALIDATION_FAILED,
          statusReason: capText(planned.reason, STORED_LIMITS.reason),
          startedAt: now,
          endedAt: now,
        }),
  };
  if (await deps.tasks.create(record)) return record;
  const existing = await deps.tasks.get(importId);
  if (!existing) throw new Error(`Task ${importId} exists and then does not`);
  return existing;
};

/**
 * Streams each CSV attachment whose task still waits for its file into the task's upload key, in one
 * more pass over the message. Storing it starts validation (S3 ObjectCreated), as a browser upload does.
 */
const storeAttachments = async (
  deps: EmailIngestDeps,
  rawKey: string,
  planned: readonly PlannedTask[],
  tasks: readonly TaskRecord[],
): Promise<void> => {
  const waiting = new Map<number, TaskRecord>();
  for (const [index, plan] of planned.entries()) {
    const task = tasks[index];
    if (plan.kind !== 'csv' || typeof plan.slot !== 'number' || !task) continue;
    if (task.status !== TaskStatus.PENDING || (await deps.objects.head(task.objectKey))) continue;
    waiting.set(plan.slot, task);
  }
  if (waiting.size === 0) return;
  await walkAttachments(await deps.objects.getStream(rawKey), async (attachment) => {
    const task = waiting.get(attachment.index);
    if (!task) return;
    // Multipart under the hood: the local S3 emulator refuses single request bodies over 11 MiB.
    await deps.objects.upload(task.objectKey, attachment.content, 'text/csv');
  });
};
