import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import { z } from 'zod';
import { type AccountId, DEFAULT_ACCOUNT } from '../../lambdas/shared/account';

/**
 * Local sign-in: access tokens shaped like a Cognito user pool's, signed by a key the stack creates on
 * first start and keeps in the data dir, and published as JWKS under the issuer, so the API verifies
 * them through the same code path as Cognito tokens on AWS.
 */

/**
 * Local users are made up at sign-in: a username that starts with `admin` (`admin`, `admin-eu`) is in the
 * admins group, any other (`viewer`) in none, and Cognito then omits the claim.
 */
export const LOCAL_USERNAME_RULE =
  'a username is 1 to 64 lower-case letters, digits, ".", "-" or "_"; one starting with "admin" is an administrator';
const LOCAL_USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const localUsernameSchema = z.string().regex(LOCAL_USERNAME, { message: LOCAL_USERNAME_RULE });
export type LocalUsername = string;

export const isLocalAdmin = (username: string): boolean => username.startsWith('admin');

export const LOCAL_CLIENT_ID = 'bulk-imports-local-console';
export const ACCESS_TOKEN_SECONDS = 3600;

/** A pool id in Cognito's `{region}_{id}` form. */
export const localPoolId = (region: string): string => `${region}_LocalPool`;

/** Issuer URL (as on AWS, the JWKS lives at `${issuer}/.well-known/jwks.json`). */
export const localIssuer = (apiPort: number, region: string): string =>
  `http://localhost:${apiPort}/local/${localPoolId(region)}`;

export const JWKS_SUFFIX = '/.well-known/jwks.json';

const secretsSchema = z.object({
  kid: z.string().min(1),
  privateJwk: z.looseObject({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }),
  cursorSecret: z.string().min(32),
});
export type LocalSecrets = z.infer<typeof secretsSchema>;

export const SECRETS_FILE = 'local-secrets.json';

/**
 * Reads the signing key and cursor secret, creating them on first start. They persist so that tokens
 * and paging cursors stay valid across restarts.
 */
export const loadOrCreateSecrets = async (
  dir: string,
): Promise<{ secrets: LocalSecrets; created: boolean }> => {
  const path = join(dir, SECRETS_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed = secretsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new Error(`${path} is not a valid secrets file: remove it to create new local secrets`);
    }
    return { secrets: parsed.data, created: false };
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const secrets = secretsSchema.parse({
    kid: randomUUID(),
    privateJwk: await exportJWK(privateKey),
    cursorSecret: randomBytes(32).toString('base64url'),
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(`${path}.tmp`, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return { secrets, created: true };
};

/** The public half of the signing key as a JWKS document. */
export const publicJwks = (secrets: LocalSecrets): { keys: JWK[] } => {
  const { kty, n, e } = secrets.privateJwk;
  return { keys: [{ kty, n, e, kid: secrets.kid, alg: 'RS256', use: 'sig' }] };
};

/**
 * A stable subject per user, UUID-shaped like Cognito's `sub`. A user is a username in an account: the
 * default account's users keep the subjects they had before accounts existed.
 */
export const localSubject = (username: string, account: AccountId = DEFAULT_ACCOUNT): string => {
  const user = account === DEFAULT_ACCOUNT ? username : `${account}:${username}`;
  const hex = createHash('sha256').update(`bulk-imports-local:${user}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

export interface TokenOptions {
  issuer: string;
  clientId: string;
  now: Date;
  /** The account the user signs in to (the `account` claim); the default account when absent. */
  account?: AccountId;
  /** Token lifetime; Cognito's default for access tokens is one hour. */
  lifetimeSeconds?: number;
}

/** The claims of a Cognito access token for a local user. */
export const accessTokenClaims = (username: LocalUsername, options: TokenOptions) => {
  const iat = Math.floor(options.now.getTime() / 1000);
  const groups = isLocalAdmin(username) ? ['admins'] : [];
  const account = options.account ?? DEFAULT_ACCOUNT;
  return {
    sub: localSubject(username, account),
    ...(groups.length > 0 ? { 'cognito:groups': [...groups] } : {}),
    iss: options.issuer,
    version: 2,
    client_id: options.clientId,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: iat,
    exp: iat + (options.lifetimeSeconds ?? ACCESS_TOKEN_SECONDS),
    iat,
    jti: randomUUID(),
    username,
    account,
  };
};

export type AccessTokenClaims = ReturnType<typeof accessTokenClaims>;

/** Signs claims with the local key (RS256, `kid` in the header, as Cognito does). */
export const signAccessToken = async (secrets: LocalSecrets, claims: AccessTokenClaims): Promise<string> => {
  const key = await importJWK(secrets.privateJwk, 'RS256');
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256', kid: secrets.kid }).sign(key);
};
