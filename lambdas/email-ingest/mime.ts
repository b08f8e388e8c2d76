import { once } from 'node:events';
import type { Readable, Transform } from 'node:stream';
import { Splitter } from '@zone-eu/mailsplit';
import type { MimeNode } from '@zone-eu/mailsplit/lib/types';
import { type AddressObject, type AttachmentStream, type HeaderValue, MailParser } from 'mailparser';

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
  subject?: string;
  /** `Auto-Submitted` (RFC 3834), lower-cased; absent or `no` for mail a person sent. */
  autoSubmitted?: string;
}

/** A header block larger than this is not a message we import. */
const MAX_HEAD_BYTES = 256 * 1024;

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

/** Reads the top-level headers and stops: a stranger's 40 MB message costs one header block. */
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
      reject(new MessageRejectedError(`The email could not be read: ${describe(error)}`));
    };
    parser.once('headers', (headers: Map<string, HeaderValue>) => {
      if (settled) return;
      settled = true;
      const from = addresses(headers.get('from'));
      const subject = headers.get('subject');
      const autoSubmitted = headers.get('auto-submitted');
      stop(source, parser);
      resolve({
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

export interface StructureLimits {
  maxParts: number;
  maxDepth: number;
}

export interface Structure {
  parts: number;
  depth: number;
}

const ancestors = (node: MimeNode): number => {
  let count = 0;
  for (let parent = node.parentNode; parent; parent = parent.parentNode) count += 1;
  return count;
};

/**
 * Walks the MIME tree, forwarded messages included (whatever their transfer encoding), counting parts and
 * nesting, and stops at the first limit crossed with a MessageRejectedError. Only node headers are kept:
 * bodies stream through, so thousands of tiny parts cost no parser work beyond their headers.
 */
export const checkStructure = async (source: Readable, limits: StructureLimits): Promise<Structure> => {
  const state: Structure = { parts: 0, depth: 0 };
  try {
    await inspect(source, 0, state, limits, true);
  } catch (error) {
    throw classify(error);
  }
  return state;
};

const inspect = async (
  source: Readable,
  baseDepth: number,
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
  try {
    for await (const chunk of splitter as AsyncIterable<
      MimeNode | { type: 'data' | 'body'; node: MimeNode; value: Buffer }
    >) {
      if (nestedFailure !== undefined) throw nestedFailure;
      if (chunk.type === 'node') {
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
          const done = inspect(decoder, depth + 1, state, limits, false).catch((error: unknown) => {
            nestedFailure = error;
            decoder.resume(); // keep accepting what this walk writes, so it reaches the failure
          });
          nested = { node: chunk, decoder, done };
        }
      } else if (chunk.type === 'body' && nested && chunk.node === nested.node) {
        if (!nested.decoder.write(chunk.value)) await once(nested.decoder, 'drain');
      }
    }
    await closeNested();
    if (nestedFailure !== undefined) throw nestedFailure;
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
  fileName?: string;
  /** Lower-cased; `application/octet-stream` is refined from the file name when one is given. */
  contentType: string;
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
    await walk(source, visit, counter, true);
  } catch (error) {
    throw classify(error);
  }
};

const walk = async (
  source: Readable,
  visit: (attachment: AttachmentPart) => Promise<void>,
  counter: { next: number },
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
      if (contentType === 'message/rfc822') {
        await walk(content, visit, counter, false);
      } else {
        const index = counter.next++;
        await visit({
          index,
          ...(attachment.filename ? { fileName: attachment.filename } : {}),
          contentType,
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
