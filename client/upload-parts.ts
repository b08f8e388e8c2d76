import { open } from 'node:fs/promises';
import type { CreatedImport } from './schemas';

/**
 * Uploading an import's parts from Node (the import script, the bench, the chaos run and the tests), as
 * the console's uploader does in the browser: every part PUT to its presigned URL, a few at once, and the
 * ETag of each read back for completing the upload.
 */

export type UploadPlan = CreatedImport['upload'];
export interface StoredPart {
  partNumber: number;
  etag: string;
}

/** Parts PUT at once, as the console's uploader does. */
export const PARALLEL_PARTS = 4;

/** PUTs one part and returns its ETag; a refused PUT or one without an ETag throws, naming the part. */
export const putPart = async (
  part: UploadPlan['parts'][number],
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<string> => {
  const response = await fetch(part.url, { method: 'PUT', headers, body });
  const etag = response.headers.get('etag');
  if (!response.ok || !etag)
    throw new Error(`PUT part ${part.partNumber}: HTTP ${response.status}${etag ? '' : ', no ETag'}`);
  return etag;
};

export interface PutPartsOptions {
  /** Sends one part (default `putPart`): wrap it to retry, or to check more of the answer. */
  put?: (part: UploadPlan['parts'][number], body: Uint8Array) => Promise<string>;
  /** Called after each part is stored. */
  onStored?: () => void;
}

/**
 * PUTs every part of `plan`, reading each one's bytes with `read` (start, length), and returns the parts
 * in part order. `size` is the whole file's: the last part is what is left of it.
 */
export const putParts = async (
  plan: UploadPlan,
  size: number,
  read: (start: number, length: number) => Promise<Uint8Array>,
  options: PutPartsOptions = {},
): Promise<StoredPart[]> => {
  const put = options.put ?? ((part, body) => putPart(part, body));
  const queue = [...plan.parts];
  const stored: StoredPart[] = [];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const start = (part.partNumber - 1) * plan.partSize;
      const body = await read(start, Math.max(0, Math.min(plan.partSize, size - start)));
      stored.push({ partNumber: part.partNumber, etag: await put(part, body) });
      options.onStored?.();
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
  return stored.sort((a, b) => a.partNumber - b.partNumber);
};

/** `putParts` for a file on disk, read part by part (never whole). */
export const putFileParts = async (
  path: string,
  size: number,
  plan: UploadPlan,
  options: PutPartsOptions = {},
): Promise<StoredPart[]> => {
  const handle = await open(path);
  try {
    return await putParts(
      plan,
      size,
      async (start, length) => {
        const body = Buffer.alloc(length);
        await handle.read(body, 0, length, start);
        return body;
      },
      options,
    );
  } finally {
    await handle.close();
  }
};
