import { z } from 'zod';
import {
  type ChunkMessage,
  type ChunkPlan,
  chunkMessageSchema,
  chunkPlanSchema,
  type PlannedChunk,
} from './model';
import { manifestIndexKey, manifestKey } from './object-keys';
import { PipelineError, PipelineErrorCode } from './pipeline-error';
import type { MessageQueue, ObjectStore } from './ports';

/**
 * Every chunk of an import, stored before the task moves to PROCESSING. A redelivered validation that finds
 * the task PROCESSING without `chunksEnqueued` re-sends exactly these messages, so a crash between the status
 * change and the sends loses no chunk and never plans the file differently; the watchdog reads it too.
 *
 * One JSON document a line: first the file's header and column map, then one line a chunk (its message and
 * its duplicates). A chunk message names the byte ranges of the first line and of its own, so a worker reads
 * just those two with ranged GETs, and no message carries the header or a duplicate list.
 */

const headLineSchema = z.object({
  importId: z.string(),
  chunkCount: z.number().int().positive(),
  header: chunkPlanSchema.shape.header,
  columnMap: chunkPlanSchema.shape.columnMap,
  constants: chunkPlanSchema.shape.constants,
  formats: chunkPlanSchema.shape.formats,
  defaultCountry: chunkPlanSchema.shape.defaultCountry,
});

/** What the first line gives every chunk: the header, the column map and how values are read. */
export type FilePlan = Omit<ChunkPlan, 'duplicates'>;

const filePlanOf = (head: z.infer<typeof headLineSchema>): FilePlan => ({
  header: head.header,
  columnMap: head.columnMap,
  ...(head.constants ? { constants: head.constants } : {}),
  ...(head.formats ? { formats: head.formats } : {}),
  ...(head.defaultCountry ? { defaultCountry: head.defaultCountry } : {}),
});

const chunkLineSchema = z.object({
  message: chunkMessageSchema,
  duplicates: chunkPlanSchema.shape.duplicates,
});

/** Manifests written before the line format: one document whose messages carry their plan. */
const legacyManifestSchema = z.object({ importId: z.string(), chunks: z.array(chunkMessageSchema).min(1) });

export interface Manifest {
  importId: string;
  chunks: PlannedChunk[];
}

/** One chunk as `writeManifest` stores it: its message (without `plan`, which the writer adds) and duplicates. */
export interface ManifestChunk {
  message: Omit<ChunkMessage, 'plan' | 'header' | 'columnMap' | 'duplicates'>;
  duplicates: ChunkPlan['duplicates'];
}

/**
 * Writes the manifest and returns each chunk's message as it is sent (with `plan`). Lines are serialised
 * one at a time, so only their JSON text is held at once, not a second copy of every message object.
 */
export const writeManifest = async (
  objects: ObjectStore,
  importId: string,
  plan: FilePlan,
  chunkCount: number,
  chunkAt: (index: number) => ManifestChunk,
): Promise<(index: number) => ChunkMessage> => {
  const head = `${JSON.stringify({ importId, chunkCount, ...plan })}\n`;
  const headerEnd = Buffer.byteLength(head);
  const lines: string[] = [head];
  const ranges = new Float64Array(chunkCount * 2);
  let offset = headerEnd;
  for (let index = 0; index < chunkCount; index += 1) {
    const line = `${JSON.stringify(chunkAt(index))}\n`;
    const length = Buffer.byteLength(line);
    ranges[index * 2] = offset;
    ranges[index * 2 + 1] = offset + length;
    offset += length;
    lines.push(line);
  }
  await objects.put(manifestKey(importId), lines.join(''), 'application/x-ndjson');
  // The index, so that a chunk's message can be read on its own when it is sent later (`readChunkMessage`).
  const index = new Float64Array(chunkCount * INDEX_ENTRY);
  for (let at = 0; at < chunkCount; at += 1) {
    index[at * INDEX_ENTRY] = headerEnd;
    index[at * INDEX_ENTRY + 1] = ranges[at * 2] ?? 0;
    index[at * INDEX_ENTRY + 2] = ranges[at * 2 + 1] ?? 0;
  }
  await objects.put(manifestIndexKey(importId), Buffer.from(index.buffer), 'application/octet-stream');
  return (index) => ({
    ...chunkAt(index).message,
    plan: { headerEnd, start: ranges[index * 2] ?? 0, end: ranges[index * 2 + 1] ?? 0 },
  });
};

/** Numbers per chunk in the manifest index: where the header ends, where the chunk's line starts and ends. */
const INDEX_ENTRY = 3;
const INDEX_ENTRY_BYTES = INDEX_ENTRY * Float64Array.BYTES_PER_ELEMENT;

/**
 * One chunk's message as it is sent (with its plan), read from the manifest through its index: two ranged
 * GETs, whatever the number of chunks. For chunks sent after validation, as earlier ones are counted.
 */
export const readChunkMessage = async (
  objects: ObjectStore,
  importId: string,
  chunkIndex: number,
): Promise<ChunkMessage> => {
  const entry = await objects.getRange(
    manifestIndexKey(importId),
    chunkIndex * INDEX_ENTRY_BYTES,
    (chunkIndex + 1) * INDEX_ENTRY_BYTES,
  );
  if (entry.length !== INDEX_ENTRY_BYTES)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `The manifest index of ${importId} has no chunk ${chunkIndex}`,
    );
  const [headerEnd = 0, start = 0, end = 0] = new Float64Array(new Uint8Array(entry).buffer);
  const line = parseLine(
    chunkLineSchema,
    await objects.getRange(manifestKey(importId), start, end),
    `line for chunk ${chunkIndex}`,
  );
  if (line.message.chunkIndex !== chunkIndex || line.message.importId !== importId)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `The chunk manifest of ${importId} does not hold chunk ${chunkIndex} where its index says`,
    );
  return { ...line.message, plan: { headerEnd, start, end } };
};

const parseLine = <T>(schema: z.ZodType<T>, bytes: Buffer, what: string): T => {
  const parsed = schema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `The chunk manifest's ${what} is not what was written: ${parsed.error.message}`,
    );
  return parsed.data;
};

/** Reads and checks a stored manifest, every chunk with its plan; undefined when there is none. */
export const readManifest = async (objects: ObjectStore, importId: string): Promise<Manifest | undefined> => {
  const key = manifestKey(importId);
  const stored = await objects.head(key);
  if (!stored) return undefined;
  const body = await objects.getRange(key, 0, stored.size);
  const firstBreak = body.indexOf(0x0a);
  const first = JSON.parse(body.subarray(0, firstBreak < 0 ? body.length : firstBreak).toString('utf8'));
  if (first && typeof first === 'object' && 'chunks' in first) {
    const legacy = legacyManifestSchema.parse(first);
    return { importId: legacy.importId, chunks: legacy.chunks.map((message) => legacyPlanned(message)) };
  }
  const head = headLineSchema.parse(first);
  const chunks: PlannedChunk[] = [];
  let start = firstBreak + 1;
  while (start < body.length) {
    const end = body.indexOf(0x0a, start);
    const lineEnd = end < 0 ? body.length : end + 1;
    const line = parseLine(chunkLineSchema, body.subarray(start, lineEnd), `line for chunk ${chunks.length}`);
    chunks.push({
      ...line.message,
      plan: { headerEnd: firstBreak + 1, start, end: lineEnd },
      ...filePlanOf(head),
      duplicates: line.duplicates,
    });
    start = lineEnd;
  }
  if (chunks.length !== head.chunkCount)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `The chunk manifest of ${importId} lists ${chunks.length} of its ${head.chunkCount} chunks`,
    );
  return { importId: head.importId, chunks };
};

const legacyPlanned = (message: ChunkMessage): PlannedChunk => {
  const { header, columnMap, duplicates } = message;
  if (!header || !columnMap || !duplicates)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `Chunk ${message.chunkIndex} of ${message.importId} has neither a plan nor its ranges`,
    );
  return { ...message, header, columnMap, duplicates };
};

/**
 * A chunk message with its plan: from the manifest's two byte ranges the message names, or from the
 * message itself when it was planned before those existed.
 */
export const readChunkPlan = async (objects: ObjectStore, message: ChunkMessage): Promise<PlannedChunk> => {
  if (!message.plan || (message.header && message.columnMap && message.duplicates))
    return legacyPlanned(message);
  const key = manifestKey(message.importId);
  const { headerEnd, start, end } = message.plan;
  const [headBytes, lineBytes] = await Promise.all([
    objects.getRange(key, 0, headerEnd),
    objects.getRange(key, start, end),
  ]);
  const head = parseLine(headLineSchema, headBytes, 'first line');
  const line = parseLine(chunkLineSchema, lineBytes, `line for chunk ${message.chunkIndex}`);
  if (line.message.chunkIndex !== message.chunkIndex || head.importId !== message.importId)
    throw new PipelineError(
      PipelineErrorCode.PLAN_UNREADABLE,
      `The chunk manifest of ${message.importId} does not hold chunk ${message.chunkIndex} there`,
    );
  return { ...message, ...filePlanOf(head), duplicates: line.duplicates };
};

/** The message of a planned chunk, as it goes on the queue: without the plan it points to. */
export const messageOf = (chunk: PlannedChunk): ChunkMessage => {
  if (!chunk.plan) return chunk;
  const {
    header: _header,
    columnMap: _columnMap,
    duplicates: _duplicates,
    constants: _constants,
    formats: _formats,
    defaultCountry: _defaultCountry,
    ...message
  } = chunk;
  return message;
};

/** Bytes read at first for the manifest's first line; it is read again whole when longer. */
const FIRST_LINE_GUESS = 128 * 1024;

/**
 * The file's header as validation planned it (the manifest's first line), for the exceptions report;
 * undefined when there is no manifest or it holds no header.
 */
export const readManifestHeader = async (
  objects: ObjectStore,
  importId: string,
): Promise<string[] | undefined> => {
  const key = manifestKey(importId);
  const stored = await objects.head(key);
  if (!stored) return undefined;
  let bytes = await objects.getRange(key, 0, Math.min(stored.size, FIRST_LINE_GUESS));
  let lineEnd = bytes.indexOf(0x0a);
  if (lineEnd < 0 && bytes.length < stored.size) {
    bytes = await objects.getRange(key, 0, stored.size);
    lineEnd = bytes.indexOf(0x0a);
  }
  let first: unknown;
  try {
    first = JSON.parse(bytes.subarray(0, lineEnd < 0 ? bytes.length : lineEnd).toString('utf8'));
  } catch {
    return undefined;
  }
  const legacy = legacyManifestSchema.safeParse(first);
  if (legacy.success) return legacy.data.chunks[0]?.header;
  return headLineSchema.safeParse(first).data?.header;
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
