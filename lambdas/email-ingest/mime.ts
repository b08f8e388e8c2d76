import { once } from 'node:events';
import { Readable, type Transform } from 'node:stream';
import { MimeNode as DetachedNode, Splitter } from '@zone-eu/mailsplit';
import type { MimeNode } from '@zone-eu/mailsplit/lib/types';
import { type AddressObject, type AttachmentStream, type HeaderValue, MailParser } from 'mailparser';
import { formatSize } from '../shared/csv/sizes';
import { Base64Check } from './base64-check';

/**
 * Reading a raw message in bounded memory: its headers alone, its structure against limits, and its
 * attachments one at a time as streams. Every pass streams the stored message again; none holds it whole.
 */

/** The message cannot be imported as sent (too many parts, too deep, unreadable): `reason` says why. */
export class MessageRejectedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MessageRejectedError';
  }
}

/** Reading the stored message failed (a storage or network fault): worth a retry, unlike bad MIME. */
class SourceReadError extends Error {
  constructor(readonly failure: unknown) {
    super(`Reading the stored message failed: ${describe(failure)}`, { cause: failure });
    this.name = 'SourceReadError';
  }
}

/** Something a visitor did failed (an upload): passed on as it is, never mistaken for bad MIME. */
class VisitError extends Error {
  constructor(readonly failure: unknown) {
    super(describe(failure), { cause: failure });
    this.name = 'VisitError';
  }
}

/**
 * Parser failures become MessageRejectedError (the message itself is at fault); storage failures and
 * visitors' failures are rethrown as they came, so the caller retries them.
 */
const classify = (error: unknown): unknown => {
  if (error instanceof MessageRejectedError) return error;
  if (error instanceof SourceReadError || error instanceof VisitError) return error.failure;
  return new MessageRejectedError(`The email could not be read as MIME: ${describe(error)}`);
};

export interface MessageHeaders {
  /** The single `From` address, lower-cased; undefined when there is none or more than one. */
  from?: string;
  /** How many addresses `From` names (0 when there is no `From`), for saying why a message has no sender. */
  fromCount: number;
  subject?: string;
  /** `Auto-Submitted` (RFC 3834), lower-cased; absent or `no` for mail a person sent. */
  autoSubmitted?: string;
}

/** A header block (of the message, or of one part) larger than this is not a message we import. */
export const MAX_HEAD_BYTES = 256 * 1024;

/** The message's own header block is over MAX_HEAD_BYTES: who sent it is read from its start instead. */
export class MessageHeaderTooLargeError extends MessageRejectedError {
  constructor() {
    super(
      `The email's header block (From, To, Subject and the lines mail servers add) is over ${formatSize(MAX_HEAD_BYTES)}, the most an email may have, so the email could not be read: send the CSV files in a new email`,
    );
    this.name = 'MessageHeaderTooLargeError';
  }
}

/** mailsplit's and mailparser's error for a header block over `maxHeadSize`. */
const isHeadSizeError = (error: unknown): boolean =>
  error instanceof Error &&
  (error as Error & { code?: unknown }).code === 'EMAXLEN' &&
  /header size/i.test(error.message);

const addresses = (value: HeaderValue | undefined): string[] => {
  if (!value || typeof value !== 'object' || !('value' in value)) return [];
  const list = (value as AddressObject).value;
  return list.flatMap((entry) => [
    ...(entry.address ? [entry.address] : []),
    ...(entry.group ?? []).flatMap((member) => (member.address ? [member.address] : [])),
  ]);
};

/** Ends a pass early: the source stops downloading and the parser lets go of it. */
const stop = (source: Readable, parser: Transform): void => {
  source.unpipe(parser);
  source.destroy();
  parser.destroy();
};

/**
 * Reads the top-level headers and stops: a stranger's 40 MB message costs one header block. A block over
 * MAX_HEAD_BYTES is a MessageHeaderTooLargeError (see `readHeaderStart`).
 */
export const readHeaders = (source: Readable): Promise<MessageHeaders> =>
  new Promise((resolve, reject) => {
    const parser = new MailParser({ maxHeadSize: MAX_HEAD_BYTES } as ConstructorParameters<
      typeof MailParser
    >[0]);
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      stop(source, parser);
      reject(
        isHeadSizeError(error)
          ? new MessageHeaderTooLargeError()
          : new MessageRejectedError(`The email could not be read: ${describe(error)}`),
      );
    };
    parser.once('headers', (headers: Map<string, HeaderValue>) => {
      if (settled) return;
      settled = true;
      const from = addresses(headers.get('from'));
      const subject = headers.get('subject');
      const autoSubmitted = headers.get('auto-submitted');
      stop(source, parser);
      resolve({
        fromCount: from.length,
        ...(from.length === 1 && from[0] ? { from: from[0].toLowerCase() } : {}),
        ...(typeof subject === 'string' ? { subject } : {}),
        ...(typeof autoSubmitted === 'string' ? { autoSubmitted: autoSubmitted.trim().toLowerCase() } : {}),
      });
    });
    parser.once('error', fail);
    source.once('error', (error) => {
      if (settled) return;
      settled = true;
      stop(source, parser);
      reject(error);
    });
    parser.once('end', () => fail(new Error('the message has no header block')));
    parser.resume();
    source.pipe(parser);
  });

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The headers found in the first MAX_HEAD_BYTES of a message whose header block is larger: its whole
 * header lines up to there, read as if the block ended after them. Only for telling who sent a message
 * that cannot be imported, so that an allowed sender hears why; a sender named only later is not found.
 */
export const readHeaderStart = async (source: Readable): Promise<MessageHeaders> => {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_HEAD_BYTES) break;
    }
  } finally {
    source.destroy();
  }
  const start = Buffer.concat(chunks, size).subarray(0, MAX_HEAD_BYTES);
  // The last line that is whole: a line break followed by the start of a new header (not a folded line).
  let end = -1;
  for (let at = start.indexOf(0x0a); at !== -1 && at + 1 < start.length; at = start.indexOf(0x0a, at + 1)) {
    const next = start[at + 1];
    if (next !== 0x20 && next !== 0x09) end = at + 1;
  }
  if (end <= 0) return { fromCount: 0 };
  const block = Buffer.concat([start.subarray(0, end), Buffer.from('\r\n')]);
  try {
    return await readHeaders(Readable.from([block]));
  } catch (error) {
    if (error instanceof MessageRejectedError) return { fromCount: 0 };
    throw error;
  }
};

export interface StructureLimits {
  maxParts: number;
  maxDepth: number;
}

export interface Structure {
  parts: number;
  depth: number;
  /**
   * Parts sent as base64 whose content is not base64, by part id (as `AttachmentPart.partId`): what is
   * wrong, in words that complete "it was sent as base64, but …".
   */
  undecodable: Map<string, string>;
}

const ancestors = (node: MimeNode): number => {
  let count = 0;
  for (let parent = node.parentNode; parent; parent = parent.parentNode) count += 1;
  return count;
};

/**
 * A part's id as mailparser gives it (IMAP-style numbers, none for a message's root), prefixed with the
 * ids of the forwarded messages stored as leaves it sits in: the structure pass and the attachment walk
 * parse such a message on its own, so the prefix keeps their ids apart and equal on both passes.
 */
const partIdOf = (prefix: string, node: Pick<MimeNode, '_parentBoundary' | 'partNr'>): string =>
  `${prefix}${node._parentBoundary ? (node.partNr || []).filter((nr) => typeof nr === 'number').join('.') : ''}`;

/**
 * The content type and file name of the part whose header block the splitter gave up on, read from the
 * header lines it had collected (the first 64 KB of them). mailsplit keeps those on its current node,
 * which it does not declare: the version is pinned, and the unit test on this reason fails if it moves.
 */
const pendingPart = (splitter: Splitter): { contentType?: string; fileName?: string } => {
  const node: unknown = Reflect.get(splitter, 'node');
  const lines: unknown = node && typeof node === 'object' ? Reflect.get(node, '_headersLines') : undefined;
  if (!Array.isArray(lines)) return {};
  const kept: Buffer[] = [];
  let size = 0;
  for (const line of lines) {
    if (!Buffer.isBuffer(line) || size + line.length > 64 * 1024) break;
    kept.push(line);
    size += line.length;
  }
  const detached = new DetachedNode(false);
  for (const line of kept) detached.addHeaderChunk(line);
  detached.parseHeaders();
  const declared = detached.headers && detached.headers.get('Content-Type').length > 0;
  return {
    ...(declared && detached.contentType ? { contentType: detached.contentType } : {}),
    ...(detached.filename ? { fileName: detached.filename } : {}),
  };
};

const partHeaderTooLarge = (position: number, part: { contentType?: string; fileName?: string }) => {
  const known = [part.fileName, part.contentType].filter(Boolean).join(', ');
  return new MessageRejectedError(
    `Part ${position} of the email${known ? ` (${known})` : ''} has a header block over ${formatSize(MAX_HEAD_BYTES)}, the most one part may have, so the email could not be read: send the CSV files in a new email`,
  );
};

/**
 * Walks the MIME tree, forwarded messages included (whatever their transfer encoding), counting parts and
 * nesting, and stops at the first limit crossed with a MessageRejectedError; a part whose header block is
 * too large is named by its position (counting every part, containers included), type and file name.
 * Only node headers are kept: bodies stream through (base64 ones checked as they pass), so thousands of
 * tiny parts cost no parser work beyond their headers.
 */
export const checkStructure = async (source: Readable, limits: StructureLimits): Promise<Structure> => {
  const state: Structure = { parts: 0, depth: 0, undecodable: new Map() };
  try {
    await inspect(source, 0, '', state, limits, true);
  } catch (error) {
    throw classify(error);
  }
  return state;
};

const inspect = async (
  source: Readable,
  baseDepth: number,
  prefix: string,
  state: Structure,
  limits: StructureLimits,
  stored: boolean,
): Promise<void> => {
  const splitter = new Splitter({ maxHeadSize: MAX_HEAD_BYTES });
  source.once('error', (error) => splitter.destroy(stored ? new SourceReadError(error) : error));
  source.pipe(splitter);
  // A forwarded message stored as a leaf (attached, or base64) is decoded and walked as a message of its own.
  let nested: { node: MimeNode; decoder: Transform; done: Promise<void> } | undefined;
  let nestedFailure: unknown;
  const closeNested = async () => {
    if (!nested) return;
    nested.decoder.end();
    await nested.done;
    nested = undefined;
  };
  let base64: { node: MimeNode; check: Base64Check } | undefined;
  const closeBase64 = () => {
    if (!base64) return;
    const problem = base64.check.finish();
    if (problem !== undefined) state.undecodable.set(partIdOf(prefix, base64.node), problem);
    base64 = undefined;
  };
  try {
    for await (const chunk of splitter as AsyncIterable<
      MimeNode | { type: 'data' | 'body'; node: MimeNode; value: Buffer }
    >) {
      if (nestedFailure !== undefined) throw nestedFailure;
      if (chunk.type === 'node') {
        closeBase64();
        await closeNested();
        if (nestedFailure !== undefined) throw nestedFailure;
        state.parts += 1;
        if (state.parts > limits.maxParts) {
          throw new MessageRejectedError(
            `The email has more than ${limits.maxParts} MIME parts (attachments, bodies and forwarded messages); send fewer attachments per email`,
          );
        }
        const depth = baseDepth + ancestors(chunk);
        state.depth = Math.max(state.depth, depth);
        if (depth > limits.maxDepth) {
          throw new MessageRejectedError(
            `The email nests parts or forwarded messages more than ${limits.maxDepth} levels deep; attach the CSV files directly`,
          );
        }
        if (chunk.contentType === 'message/rfc822' && !chunk.messageNode) {
          const decoder = chunk.getDecoder();
          const inner = `${partIdOf(prefix, chunk)}/`;
          const done = inspect(decoder, depth + 1, inner, state, limits, false).catch((error: unknown) => {
            nestedFailure = error;
            decoder.resume(); // keep accepting what this walk writes, so it reaches the failure
          });
          nested = { node: chunk, decoder, done };
        } else if (!chunk.multipart && chunk.encoding === 'base64') {
          base64 = { node: chunk, check: new Base64Check() };
        }
      } else if (chunk.type === 'body' && nested && chunk.node === nested.node) {
        if (!nested.decoder.write(chunk.value)) await once(nested.decoder, 'drain');
      } else if (chunk.type === 'body' && base64 && chunk.node === base64.node) {
        base64.check.write(chunk.value);
      }
    }
    closeBase64();
    await closeNested();
    if (nestedFailure !== undefined) throw nestedFailure;
  } catch (error) {
    if (isHeadSizeError(error)) throw partHeaderTooLarge(state.parts + 1, pendingPart(splitter));
    throw error;
  } finally {
    if (!source.readableEnded) {
      source.unpipe(splitter);
      source.destroy();
    }
  }
};

/** One attachment, as the walk meets it. `content` must be read or left; the walk drains what is left. */
export interface AttachmentPart {
  /** Position in the walk (forwarded messages' attachments included): the same on every pass. */
  index: number;
  /** The part's id, as `Structure.undecodable` is keyed. */
  partId: string;
  fileName?: string;
  /** Lower-cased; `application/octet-stream` is refined from the file name when one is given. */
  contentType: string;
  /** `Content-Transfer-Encoding`, lower-cased (`base64`, `quoted-printable`, `7bit`…); absent when not given. */
  transferEncoding?: string;
  /** An inline part the HTML body refers to (a signature logo), not something the sender attached. */
  related: boolean;
  content: Readable;
}

const parserOptions = {
  // Only attachments matter here: skip the work of turning bodies into other forms.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  maxHeadSize: MAX_HEAD_BYTES,
} as ConstructorParameters<typeof MailParser>[0];

/**
 * Visits every attachment of the message in order, one at a time, as a stream; attached messages
 * (`message/rfc822`) are opened and their attachments visited in place. Call `checkStructure` first:
 * this walk trusts the message to be within the limits.
 */
export const walkAttachments = async (
  source: Readable,
  visit: (attachment: AttachmentPart) => Promise<void>,
): Promise<void> => {
  const counter = { next: 0 };
  try {
    await walk(source, visit, counter, '', true);
  } catch (error) {
    throw classify(error);
  }
};

const walk = async (
  source: Readable,
  visit: (attachment: AttachmentPart) => Promise<void>,
  counter: { next: number },
  prefix: string,
  stored: boolean,
): Promise<void> => {
  const parser = new MailParser(parserOptions);
  // The stored message's stream failing is a storage fault; a nested message's is the outer parser's.
  source.once('error', (error) => parser.destroy(stored ? new SourceReadError(error) : error));
  source.pipe(parser);
  for await (const part of parser as AsyncIterable<AttachmentStream | { type: 'text' }>) {
    if (part.type !== 'attachment') continue;
    const attachment = part as AttachmentStream;
    const content = attachment.content as Readable;
    try {
      const contentType = attachment.contentType.toLowerCase();
      const partId = `${prefix}${attachment.partId ?? ''}`;
      if (contentType === 'message/rfc822') {
        await walk(content, visit, counter, `${partId}/`, false);
      } else {
        const index = counter.next++;
        const encoding = attachment.headers.get('content-transfer-encoding');
        await visit({
          index,
          partId,
          ...(attachment.filename ? { fileName: attachment.filename } : {}),
          contentType,
          ...(typeof encoding === 'string' ? { transferEncoding: encoding.trim().toLowerCase() } : {}),
          related: attachment.related === true,
          content,
        }).catch((error: unknown) => {
          throw error instanceof VisitError ? error : new VisitError(error);
        });
      }
    } finally {
      attachment.release();
    }
  }
};
