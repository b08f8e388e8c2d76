import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BadRequestError } from '../shared/errors';

/**
 * Paging cursors are the store's own position objects (DynamoDB keys among them), so a caller who could
 * edit one could read from any partition. Each cursor is therefore signed with HMAC-SHA256 over its
 * route scope and payload: a tampered cursor, or one taken from another list, is refused.
 */
export interface CursorCodec {
  /** The cursor for the next page, or null on the last page. */
  encode(scope: string, position: Record<string, unknown> | undefined): string | null;
  /** The store position a cursor stands for, or undefined for the first page; throws on a bad cursor. */
  decode(scope: string, cursor: string | undefined): Record<string, unknown> | undefined;
}

const positionSchema = z.record(z.string(), z.unknown());

const invalidCursor = (cause?: unknown) =>
  new BadRequestError('Invalid cursor', cause === undefined ? undefined : { cause });

/**
 * The codec of one account's lists: the account is part of every cursor's signed scope, so a cursor made
 * for one account is refused in another, even for the same list.
 */
export const accountCursors = (codec: CursorCodec, account: string): CursorCodec => ({
  encode: (scope, position) => codec.encode(`${account}\0${scope}`, position),
  decode: (scope, cursor) => codec.decode(`${account}\0${scope}`, cursor),
});

/** Builds the codec over a secret of at least 32 characters (see `CURSOR_SECRET`). */
export const createCursorCodec = (secret: string): CursorCodec => {
  const sign = (scope: string, payload: string): Buffer =>
    // The NUL separator keeps scope `a` + payload `bc` distinct from scope `ab` + payload `c`.
    createHmac('sha256', secret).update(scope).update('\0').update(payload).digest();

  return {
    encode(scope, position) {
      if (!position) return null;
      const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
      return `${payload}.${sign(scope, payload).toString('base64url')}`;
    },

    decode(scope, cursor) {
      if (cursor === undefined) return undefined;
      const [payload, signature, ...rest] = cursor.split('.');
      if (!payload || !signature || rest.length > 0) throw invalidCursor();
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(scope, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
      try {
        return positionSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
      } catch (error) {
        throw invalidCursor(error);
      }
    },
  };
};
