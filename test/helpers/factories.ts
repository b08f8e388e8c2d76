import { randomUUID } from 'node:crypto';
import type { EmailMessage } from '../../lambdas/shared/email-message';
import type { TaskRecord } from '../../lambdas/shared/model';
import { uploadKey } from '../../lambdas/shared/object-keys';

/** A task as the API creates it, with any field overridden. */
export const aTask = (overrides: Partial<TaskRecord> = {}): TaskRecord => {
  const importId = overrides.importId ?? randomUUID();
  const fileName = overrides.fileName ?? 'users.csv';
  return {
    importId,
    templateId: 'users',
    fileName,
    source: 'upload',
    status: 'PENDING',
    createdBy: 'admin',
    createdAt: '2026-11-22T10:00:00.000Z',
    processedRows: 0,
    successCount: 0,
    errorCount: 0,
    objectKey: uploadKey(importId, fileName),
    ...overrides,
  };
};

/** A users CSV: the header and the given rows, CRLF line ends. */
export const usersCsv = (
  rows: readonly string[],
  header = 'email,first_name,last_name,role,phone,department,start_date',
): string => [header, ...rows].map((line) => `${line}\r\n`).join('');

/** A valid users row for index n. */
export const userRow = (n: number): string =>
  `user${n}@example.com,First${n},Last${n},member,+1555000${String(n).padStart(4, '0')},Eng,2024-01-15`;

/** A received message's record as email ingest stores it: from alice, reply on, to the users address. */
export const anEmailMessage = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  messageId: 'msg-1',
  from: 'alice@example.com',
  subject: 'New users',
  receivedAt: '2026-11-22T09:30:00.000Z',
  recipient: 'users@imports.example.com',
  templateId: 'users',
  importIds: [],
  reply: true,
  ...overrides,
});
