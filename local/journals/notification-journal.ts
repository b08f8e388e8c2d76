import { z } from 'zod';
import { type CreatedObject, s3EventNameSchema } from '../events/s3-event';
import type { Log } from '../log';
import { DiskJournal } from './disk-journal';

/**
 * Notifications written to disk before the request that creates the object is forwarded, and cleared
 * once sent. A stack killed in between replays them at its next start, so no upload is left without its
 * event; a duplicate event is harmless because validate-file is idempotent.
 */

const journalEntrySchema = z.object({
  id: z.string().min(1),
  bucket: z.string().min(1),
  key: z.string().min(1),
  eventName: s3EventNameSchema,
  sourceIp: z.string(),
  requestedAt: z.string(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export class NotificationJournal extends DiskJournal<JournalEntry> {
  constructor(dir: string) {
    super(dir, journalEntrySchema, 'notification');
  }

  /** Records a request about to create an object, stamped with the time it arrived. */
  override record(entry: Omit<JournalEntry, 'id' | 'requestedAt'>, now = new Date()): Promise<JournalEntry> {
    return super.record({ ...entry, requestedAt: now.toISOString() }, now);
  }
}

/** Size and ETag of an object, or undefined when it does not exist. */
export type ObjectProbe = (
  bucket: string,
  key: string,
) => Promise<{ size: number; eTag: string } | undefined>;
export type NotificationSender = (object: CreatedObject) => Promise<void>;

/**
 * Sends the notification of a journaled request if its object exists (the request went through before
 * the crash) and clears the entry either way. Returns how many notifications were sent.
 */
export const replayJournal = async (
  journal: NotificationJournal,
  probe: ObjectProbe,
  send: NotificationSender,
  region: string,
  log: Log,
): Promise<number> => {
  let sent = 0;
  for (const entry of await journal.pending(log)) {
    const object = await probe(entry.bucket, entry.key);
    if (object) {
      await send({
        bucket: entry.bucket,
        key: entry.key,
        eventName: entry.eventName,
        size: object.size,
        eTag: object.eTag,
        region,
        sourceIp: entry.sourceIp,
        eventTime: new Date(entry.requestedAt),
      });
      sent += 1;
      log.info('replayed journaled notification', { key: entry.key, event: entry.eventName });
    } else {
      log.info('dropped journaled notification: the request never created its object', { key: entry.key });
    }
    await journal.clear(entry.id);
  }
  return sent;
};
