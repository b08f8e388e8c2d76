import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SESEvent } from 'aws-lambda';
import { z } from 'zod';
import type { Log } from './log';

/**
 * SES receipt events written to disk before the SMTP receiver answers 250, and cleared once email ingest
 * has run on them. On AWS, Lambda's own queue holds an asynchronous invocation; here a stack killed in
 * between replays the entry at its next start (ingest is idempotent, so a duplicate is harmless).
 */

const entrySchema = z.object({
  id: z.string().min(1),
  event: z.object({ Records: z.array(z.unknown()).min(1) }).loose(),
});

export interface ReceiptEntry {
  id: string;
  event: SESEvent;
}

const SUFFIX = '.json';

export class ReceiptJournal {
  constructor(private readonly dir: string) {}

  /** Atomic (temp file + rename): a crash never leaves half an entry. */
  async record(event: SESEvent, now = new Date()): Promise<ReceiptEntry> {
    await mkdir(this.dir, { recursive: true });
    const id = `${now.getTime().toString().padStart(15, '0')}-${randomUUID()}`;
    const path = join(this.dir, `${id}${SUFFIX}`);
    await writeFile(`${path}.tmp`, JSON.stringify({ id, event }));
    await rename(`${path}.tmp`, path);
    return { id, event };
  }

  async clear(id: string): Promise<void> {
    await rm(join(this.dir, `${id}${SUFFIX}`), { force: true });
  }

  /** Entries not cleared yet, oldest first; unreadable ones are set aside as `.corrupt` and logged. */
  async pending(log: Log): Promise<ReceiptEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: ReceiptEntry[] = [];
    for (const name of names.filter((file) => file.endsWith(SUFFIX)).sort()) {
      const path = join(this.dir, name);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
      }
      const parsed = entrySchema.safeParse(json);
      if (parsed.success) {
        // The event was written by `record` from an SESEvent; the schema checks its outline only.
        entries.push({ id: parsed.data.id, event: parsed.data.event as unknown as SESEvent });
      } else {
        log.error('unreadable receipt journal entry set aside', undefined, { file: `${name}.corrupt` });
        await rename(path, `${path}.corrupt`);
      }
    }
    return entries;
  }
}
