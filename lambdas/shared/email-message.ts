import { z } from 'zod';

/**
 * What email ingest records about a received message, before it creates any task: the tasks it makes
 * (their ids derive from the message id, so a redelivery makes the same ones) and whether the sender
 * gets a reply. finalize-import reads it to send that one reply once every task of the message is final.
 */
export const emailMessageSchema = z.object({
  /** SES message id: the raw message is `inbound/{messageId}`. */
  messageId: z.string().min(1),
  /** The sender's address (the allowed `From`), where the reply goes. */
  from: z.string(),
  subject: z.string(),
  receivedAt: z.string(),
  /** The import address the message was routed by, and its template. */
  recipient: z.string(),
  templateId: z.string(),
  importIds: z.array(z.string()).min(1),
  /** `replyToSender` as it was when the message arrived. */
  reply: z.boolean(),
  /** Set by the one sender that may send the reply; a stale claim (a sender that died) can be taken over. */
  replyClaimedAt: z.string().optional(),
  replySentAt: z.string().optional(),
  /** SES message id of the reply. */
  replyMessageId: z.string().optional(),
});
export type EmailMessage = z.infer<typeof emailMessageSchema>;
