import { z } from 'zod';
import { type ChunkMessage, chunkMessageSchema } from '../shared/model';
import { manifestKey } from '../shared/object-keys';
import type { MessageQueue, ObjectStore } from '../shared/ports';

/**
 * Every chunk message of an import, stored before the task moves to PROCESSING. A redelivered
 * validation that finds the task PROCESSING without `chunksEnqueued` re-sends exactly these, so a crash
 * between the status change and the sends loses no chunk and never plans the file differently.
 */
export const manifestSchema = z.object({
  importId: z.string(),
  chunks: z.array(chunkMessageSchema).min(1),
});
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Writes the manifest. Messages are serialised one at a time, so only their JSON text is held at once,
 * not a second copy of every message object.
 */
export const writeManifest = async (
  objects: ObjectStore,
  importId: string,
  chunkCount: number,
  messageAt: (index: number) => ChunkMessage,
): Promise<void> => {
  const parts: string[] = [];
  for (let index = 0; index < chunkCount; index += 1) parts.push(JSON.stringify(messageAt(index)));
  const body = `{"importId":${JSON.stringify(importId)},"chunks":[${parts.join(',')}]}`;
  await objects.put(manifestKey(importId), body, 'application/json');
};

/** Reads and checks a stored manifest; undefined when there is none. */
export const readManifest = async (objects: ObjectStore, importId: string): Promise<Manifest | undefined> => {
  const key = manifestKey(importId);
  const head = await objects.head(key);
  if (!head) return undefined;
  const body = await objects.getRange(key, 0, head.size);
  return manifestSchema.parse(JSON.parse(body.toString('utf8')));
};

/** Messages per `send` call: small groups keep only a few materialised messages in memory. */
const SEND_GROUP = 10;

/** Sends `count` chunk messages, built one group at a time by `messageAt`. */
export const sendInGroups = async (
  queue: MessageQueue<ChunkMessage>,
  count: number,
  messageAt: (index: number) => ChunkMessage,
): Promise<void> => {
  for (let start = 0; start < count; start += SEND_GROUP) {
    const group: ChunkMessage[] = [];
    for (let index = start; index < Math.min(count, start + SEND_GROUP); index += 1)
      group.push(messageAt(index));
    await queue.send(group);
  }
};
