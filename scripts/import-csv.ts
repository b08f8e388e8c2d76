/**
 * Imports a CSV through the HTTP API exactly as the console does: create the import, PUT each part to its
 * presigned URL in parallel, complete the upload, then follow the task to its final status.
 *
 *   npx tsx scripts/import-csv.ts <file.csv> [--template users] [--api http://localhost:3000] [--token JWT]
 *
 * Without --token it asks the local stack for an admin token (`POST /local/token`).
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';

const flagValue = (flag: string): string | undefined => {
  const index = process.argv.indexOf(flag);
  return index > 0 ? process.argv[index + 1] : undefined;
};

const options = z
  .object({
    file: z.string().min(1, 'usage: import-csv <file.csv> [--template users] [--api URL] [--token JWT]'),
    template: z.string().default('users'),
    api: z.url().default(`http://localhost:${process.env.IMPORTS_PORT ?? '3000'}`),
    token: z.string().optional(),
  })
  .parse({
    file: process.argv[2],
    template: flagValue('--template'),
    api: flagValue('--api'),
    token: flagValue('--token'),
  });

const createdSchema = z.object({
  import: z.object({ importId: z.string() }),
  upload: z.object({
    partSize: z.number().int().positive(),
    parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })),
  }),
});
const taskSchema = z
  .object({
    importId: z.string(),
    status: z.string(),
    statusReason: z.string().optional(),
    totalRows: z.number().optional(),
    processedRows: z.number(),
    successCount: z.number(),
    errorCount: z.number(),
    warnings: z.array(z.string()).optional(),
  })
  .loose();

const FINAL = new Set(['COMPLETED', 'PARTIAL_SUCCESS', 'FAILED', 'VALIDATION_FAILED', 'NOTHING_TO_IMPORT']);
const PARALLEL_PARTS = 4;

const call = async (path: string, token: string, init: RequestInit = {}): Promise<unknown> => {
  const response = await fetch(`${options.api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
  const body: unknown = await response.json();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path} → ${response.status} ${JSON.stringify(body)}`);
  return body;
};

const localToken = async (): Promise<string> => {
  const response = await fetch(`${options.api}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin' }),
  });
  if (!response.ok)
    throw new Error(`Could not get a local token: ${response.status} (is the local stack running?)`);
  return z.object({ token: z.string() }).parse(await response.json()).token;
};

const main = async () => {
  const token = options.token ?? (await localToken());
  const { size } = await stat(options.file);
  const began = Date.now();
  const created = createdSchema.parse(
    await call('/api/imports', token, {
      method: 'POST',
      body: JSON.stringify({
        templateId: options.template,
        fileName: basename(options.file),
        fileSize: size,
      }),
    }),
  );
  const importId = created.import.importId;
  console.log(`import ${importId}: uploading ${size} bytes in ${created.upload.parts.length} part(s)`);

  const file = await open(options.file);
  const etags: { partNumber: number; etag: string }[] = [];
  const queue = [...created.upload.parts];
  const uploadOne = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.partNumber - 1) * created.upload.partSize;
      const length = Math.min(created.upload.partSize, size - start);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, start);
      const response = await fetch(part.url, { method: 'PUT', body: buffer });
      const etag = response.headers.get('etag');
      if (!response.ok || !etag) throw new Error(`part ${part.partNumber}: HTTP ${response.status}`);
      etags.push({ partNumber: part.partNumber, etag });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_PARTS }, uploadOne));
  await file.close();
  const uploaded = Date.now();
  await call(`/api/imports/${importId}/upload/complete`, token, {
    method: 'POST',
    body: JSON.stringify({ parts: etags }),
  });
  console.log(`uploaded in ${((uploaded - began) / 1000).toFixed(1)} s`);

  for (;;) {
    const task = taskSchema.parse(await call(`/api/imports/${importId}`, token));
    const seconds = (Date.now() - uploaded) / 1000;
    if (FINAL.has(task.status)) {
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
