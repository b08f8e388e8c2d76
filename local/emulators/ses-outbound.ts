import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import type { Log } from '../log';
import { closeServer, LOOPBACK } from '../servers/servers';

/**
 * Outbound SES for the local stack: aws-ses-v2-local answers the v1 SendEmail API the reply sender uses,
 * and shows what was sent in its mailbox viewer. It keeps mail in memory, so the mailbox is written to
 * the data dir after each change and loaded at start: a restarted stack still shows earlier replies.
 */

export interface SesOutboundOptions {
  port: number;
  /** Directory of the saved mailbox. */
  dir: string;
  log: Log;
}

export interface RunningSesOutbound {
  /** SES API endpoint for the handlers' SES client. */
  endpoint: string;
  /** The mailbox viewer, for people. */
  mailboxUrl: string;
  stop(): Promise<void>;
}

const SAVE_EVERY_MS = 500;

/** What the emulator stores per message (only the outline is checked when loading a saved mailbox). */
const savedMailboxSchema = z.array(z.object({ messageId: z.string(), at: z.number() }).loose());

export const startSesOutbound = async (options: SesOutboundOptions): Promise<RunningSesOutbound> => {
  // The emulator's store is a module singleton shared with its server, so both come from one place.
  const { default: startServer } = await import('aws-ses-v2-local');
  const store = await import('aws-ses-v2-local/dist/store');
  const file = join(options.dir, 'mailbox.json');
  await mkdir(options.dir, { recursive: true });

  const saved = await readFile(file, 'utf8').then(
    (text) => savedMailboxSchema.safeParse(JSON.parse(text)),
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    },
  );
  if (saved && !saved.success) options.log.warn('saved mailbox unreadable; starting empty', { file });
  if (saved?.success) {
    // The saved entries are the emulator's own records, written below from its store.
    for (const email of saved.data)
      store.saveEmail(email as unknown as Parameters<typeof store.saveEmail>[0]);
  }

  let savedCount = store.getStoreReadonly().emails.length;
  const save = async () => {
    const emails = store.getStoreReadonly().emails;
    if (emails.length === savedCount) return;
    savedCount = emails.length;
    await writeFile(`${file}.tmp`, JSON.stringify(emails));
    await rename(`${file}.tmp`, file);
  };
  const timer = setInterval(() => {
    save().catch((error: unknown) => options.log.error('could not save the mailbox', error));
  }, SAVE_EVERY_MS);
  timer.unref();

  let server: Server;
  try {
    server = await startServer({ host: LOOPBACK, port: options.port });
  } catch (error) {
    clearInterval(timer);
    throw error;
  }
  const url = `http://localhost:${options.port}`;
  return {
    endpoint: `http://${LOOPBACK}:${options.port}`,
    mailboxUrl: url,
    stop: async () => {
      clearInterval(timer);
      await closeServer(server);
      await save();
    },
  };
};
