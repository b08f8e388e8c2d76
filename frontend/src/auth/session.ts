import { z } from 'zod';

/**
 * Who is signed in, as the console needs it: the access token for the API, and the name, groups and
 * expiry read from it. The token's signature is the API's business; the console reads the claims only
 * to decide what to show (the API still answers 403 to a non-admin whatever the console shows).
 */
export interface Session {
  accessToken: string;
  username: string;
  groups: string[];
  /** The account (organisation) the token works in: every import the console shows is its. */
  account: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const ADMIN_GROUP = 'admins';

export const isAdmin = (session: Session): boolean => session.groups.includes(ADMIN_GROUP);

const claimsSchema = z.object({
  exp: z.number(),
  username: z.string().optional(),
  'cognito:username': z.string().optional(),
  email: z.string().optional(),
  sub: z.string(),
  'cognito:groups': z.array(z.string()).optional(),
  account: z.string().min(1),
});

const decodeBase64Url = (segment: string): string => {
  const base64 = segment
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
};

export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

/** Reads a Cognito-shaped access token's claims into a session (no signature check: see above). */
export const sessionFromAccessToken = (accessToken: string): Session => {
  const payload = accessToken.split('.')[1];
  if (!payload) throw new TokenFormatError('The access token is not a JWT.');
  let json: unknown;
  try {
    json = JSON.parse(decodeBase64Url(payload));
  } catch (error) {
    throw new TokenFormatError('The access token payload is not readable JSON.', { cause: error });
  }
  const claims = claimsSchema.safeParse(json);
  if (!claims.success) throw new TokenFormatError('The access token lacks the claims the console needs.');
  const { data } = claims;
  return {
    accessToken,
    username: data.username ?? data['cognito:username'] ?? data.email ?? data.sub,
    groups: data['cognito:groups'] ?? [],
    account: data.account,
    expiresAt: data.exp * 1000,
  };
};

/** A token about to expire is as good as expired: a request started now would fail half-way. */
const EXPIRY_MARGIN_MS = 30_000;

export const isExpired = (session: Session, now: number): boolean =>
  session.expiresAt - EXPIRY_MARGIN_MS <= now;

/** Two letters for the avatar: initials of the name's parts, or its first two letters. */
export const initials = (username: string): string => {
  const local = username.split('@')[0] ?? username;
  const parts = local.split(/[\s._-]+/).filter((part) => part.length > 0);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts[1]?.[0] ?? ''}` : local.slice(0, 2);
  return letters.toUpperCase() || '?';
};
