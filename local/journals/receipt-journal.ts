import type { SESEvent } from 'aws-lambda';
import { z } from 'zod';
import { DiskJournal } from './disk-journal';

/**
 * SES receipt events written to disk before the SMTP receiver answers 250, and cleared once email ingest
 * has run on them. On AWS, Lambda's own queue holds an asynchronous invocation; here a stack killed in
 * between replays the entry at its next start (ingest is idempotent, so a duplicate is harmless).
 */

export interface ReceiptEntry {
  id: string;
  event: SESEvent;
}

// The event was written by `record` from an SESEvent; the schema checks its outline only.
const receiptEntrySchema = z.object({
  id: z.string().min(1),
  event: z.object({ Records: z.array(z.unknown()).min(1) }).loose(),
}) as unknown as z.ZodType<ReceiptEntry>;

export class ReceiptJournal extends DiskJournal<ReceiptEntry> {
  constructor(dir: string) {
    super(dir, receiptEntrySchema, 'receipt');
  }
}
