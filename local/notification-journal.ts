import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from './log';
import { type CreatedObject, s3EventNameSchema } from './s3-event';

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

const ENTRY_SUFFIX = '.json';

export class NotificationJournal {
  constructor(private readonly dir: string) {}

  /** Writes the entry atomically (temp file + rename), so a crash never leaves half an entry. */
  async record(entry: Omit<JournalEntry, 'id' | 'requestedAt'>, now = new Date()): Promise<JournalEntry> {
    await mkdir(this.dir, { recursive: true });
    // A sortable name replays entries in the order their requests arrived.
    const id = `${now.getTime().toString().padStart(15, '0')}-${randomUUID()}`;
    const full: JournalEntry = { ...entry, id, requestedAt: now.toISOString() };
    const path = join(this.dir, `${id}${ENTRY_SUFFIX}`);
    await writeFile(`${path}.tmp`, JSON.stringify(full));
    await rename(`${path}.tmp`, path);
    return full;
  }

  async clear(id: string): Promise<void> {
    await rm(join(this.dir, `${id}${ENTRY_SUFFIX}`), { force: true });
  }

  /** Entries still pending, oldest first. Unreadable files are set aside (renamed `.corrupt`) and logged. */
  async pending(log: Log): Promise<JournalEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: JournalEntry[] = [];
    for (const name of names.filter((file) => file.endsWith(ENTRY_SUFFIX)).sort()) {
      const path = join(this.dir, name);
      const parsed = journalEntrySchema.safeParse(await readJson(path));
      if (parsed.success) {
        entries.push(parsed.data);
      } else {
        log.error('unreadable notification journal entry set aside', undefined, { file: `${name}.corrupt` });
        await rename(path, `${path}.corrupt`);
      }
    }
    return entries;
  }
}

const readJson = async (path: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
};

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
