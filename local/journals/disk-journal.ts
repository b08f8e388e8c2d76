import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import type { Log } from '../log';

/**
 * A directory of pending work, one JSON file per entry, for the local stack's hand-offs that AWS makes
 * durable and the emulators do not (an S3 notification, an SES receipt's Lambda invocation). An entry is
 * written before the hand-off is acknowledged and cleared once it is done; a stack killed in between
 * replays it at its next start, which the consuming steps tolerate because they are idempotent.
 */
export class DiskJournal<Entry extends { id: string }> {
  constructor(
    private readonly dir: string,
    private readonly schema: z.ZodType<Entry>,
    /** What an entry is, for log lines ("notification", "receipt"). */
    private readonly noun: string,
  ) {}

  /** Writes the entry atomically (temp file + rename), so a crash never leaves half an entry. */
  async record(content: Omit<Entry, 'id'>, now = new Date()): Promise<Entry> {
    await mkdir(this.dir, { recursive: true });
    // A sortable name replays entries in the order they were recorded.
    const id = `${now.getTime().toString().padStart(15, '0')}-${randomUUID()}`;
    const entry = { ...content, id } as Entry;
    const path = this.pathOf(id);
    await writeFile(`${path}.tmp`, JSON.stringify(entry));
    await rename(`${path}.tmp`, path);
    return entry;
  }

  async clear(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /** Entries not cleared yet, oldest first. Unreadable files are set aside (renamed `.corrupt`) and logged. */
  async pending(log: Log): Promise<Entry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: Entry[] = [];
    for (const name of names.filter((file) => file.endsWith(ENTRY_SUFFIX)).sort()) {
      const path = join(this.dir, name);
      const parsed = this.schema.safeParse(await readJson(path));
      if (parsed.success) {
        entries.push(parsed.data);
      } else {
        log.error(`unreadable ${this.noun} journal entry set aside`, undefined, { file: `${name}.corrupt` });
        await rename(path, `${path}.corrupt`);
      }
    }
    return entries;
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}${ENTRY_SUFFIX}`);
  }
}

const ENTRY_SUFFIX = '.json';

const readJson = async (path: string): Promise<unknown> => {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
};
