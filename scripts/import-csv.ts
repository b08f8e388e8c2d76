/**
 * Imports a CSV through the HTTP API exactly as the console does: create the import, PUT each part to its
 * presigned URL in parallel, complete the upload, then follow the task to its final status.
 *
 *   npx tsx scripts/import-csv.ts <file.csv> [--template users] [--api http://localhost:3000] [--token JWT | --account ID]
 *
 * Without --token it asks the local stack for an admin token (`POST /local/token`) of `--account` (the
 * default account when none is named).
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { createApiClient } from '../client/api-client';
import { putFileParts } from '../client/upload-parts';
import { accountIdSchema } from '../lambdas/shared/account';
import { isFinalStatus } from '../lambdas/shared/model';
import { parseOptions, readArgs } from './args';

const { values, positionals } = readArgs(
  {
    allowPositionals: true,
    options: {
      template: { type: 'string' },
      api: { type: 'string' },
      token: { type: 'string' },
      account: { type: 'string' },
    },
  },
  'npx tsx scripts/import-csv.ts <file.csv> [--template users] [--api URL] [--token JWT | --account ID]',
);

const options = parseOptions(
  z.object({
    file: z.string().min(1, 'name the CSV file to import'),
    template: z.string().default('users'),
    api: z.url().default(`http://localhost:${process.env.IMPORTS_PORT ?? '3000'}`),
    token: z.string().optional(),
    account: accountIdSchema.optional(),
  }),
  { file: positionals[0] ?? '', ...values },
  'npx tsx scripts/import-csv.ts <file.csv> [--template users] [--api URL] [--token JWT | --account ID]',
);

const localToken = async (): Promise<string> => {
  const response = await fetch(`${options.api}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', ...(options.account ? { account: options.account } : {}) }),
  });
  if (!response.ok)
    throw new Error(`Could not get a local token: ${response.status} (is the local stack running?)`);
  return z.object({ token: z.string() }).parse(await response.json()).token;
};

const main = async () => {
  const token = options.token ?? (await localToken());
  const api = createApiClient({
    url: (path) => `${options.api}${path}`,
    token: () => token,
    onUnauthorized: () => undefined,
  });
  const { size } = await stat(options.file);
  const began = Date.now();
  const created = await api.createImport({
    templateId: options.template,
    fileName: basename(options.file),
    fileSize: size,
  });
  const { importId } = created.import;
  console.log(`import ${importId}: uploading ${size} bytes in ${created.upload.parts.length} part(s)`);
  const parts = await putFileParts(options.file, size, created.upload);
  const uploaded = Date.now();
  await api.completeUpload(importId, parts);
  console.log(`uploaded in ${((uploaded - began) / 1000).toFixed(1)} s`);

  for (;;) {
    const task = await api.getImport(importId);
    const seconds = (Date.now() - uploaded) / 1000;
    if (isFinalStatus(task.status)) {
      const rate = seconds > 0 ? Math.round(task.processedRows / seconds) : 0;
      console.log(
        `${task.status}${task.statusReason ? ` (${task.statusReason})` : ''}: ${task.successCount} imported, ` +
          `${task.errorCount} failed of ${task.totalRows ?? 0} rows; processing ${seconds.toFixed(1)} s ` +
          `(${rate} rows/s), total ${((Date.now() - began) / 1000).toFixed(1)} s`,
      );
      for (const warning of task.warnings ?? []) console.log(`warning: ${warning}`);
      return;
    }
    process.stdout.write(`\r${task.status} ${task.processedRows}/${task.totalRows ?? '?'} rows   `);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
