import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { z } from 'zod';
import { type AccountId, isAccountId } from '../shared/account';
import { ForbiddenError, UnauthorizedError } from '../shared/errors';

/** Who is calling, as the access token says. */
export interface Principal {
  /** Shown as `createdBy` on the imports this caller starts. */
  username: string;
  groups: string[];
  /** The account the caller works in (DESIGN §11): everything it reads and writes is that account's. */
  account: AccountId;
}

/** Checks an `Authorization` header; resolves to an admin principal or throws 401/403 errors. */
export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

export interface TokenVerifierOptions {
  /** Expected `iss`: the Cognito user pool URL, or the local stack's signer. */
  issuer: string;
  /** App clients whose access tokens are accepted (`client_id` claim). */
  clientIds: readonly string[];
  /** Group (`cognito:groups`) a caller must be in. */
  adminGroup: string;
  /** Where the signing keys come from: a remote JWKS in production, a local one in tests. */
  keys: JWTVerifyGetKey;
  /** Leeway for `exp`/`nbf` against clock skew between the issuer and us. */
  clockToleranceSeconds?: number;
}

/** Cognito access-token claims we rely on; an ID token (`token_use: "id"`, `aud`) does not pass. */
const accessTokenClaims = z.object({
  token_use: z.literal('access'),
  client_id: z.string().min(1),
  sub: z.string().min(1),
  username: z.string().min(1).optional(),
  'cognito:username': z.string().min(1).optional(),
  'cognito:groups': z.array(z.string()).optional(),
  /** Added by the pre-token-generation trigger from `custom:account` (on AWS) or by the local sign-in. */
  account: z.unknown().optional(),
});

/**
 * jose codes that mean the token itself is bad (401). Anything else (the JWKS endpoint unreachable or
 * malformed) is our failure and must surface as a 500 in the log, not as every admin being signed out.
 */
const TOKEN_FAULTS: ReadonlySet<string> = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JWK_INVALID',
]);

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;

/**
 * Builds the verifier for Cognito-shaped access tokens: RS256 only, issuer, expiry and not-before
 * checked, `token_use` must be `access` and `client_id` one of ours; then the admin group is required.
 */
export const createTokenVerifier = (options: TokenVerifierOptions): TokenVerifier => {
  const clientIds = new Set(options.clientIds);
  const clockTolerance = options.clockToleranceSeconds ?? 5;

  return async (authorization) => {
    const token = authorization ? BEARER.exec(authorization)?.[1] : undefined;
    if (!token) {
      throw new UnauthorizedError('Missing or malformed Authorization header: expected a Bearer token.');
    }

    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        algorithms: ['RS256'],
        clockTolerance,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new UnauthorizedError('The access token has expired; sign in again.', { cause: error });
      }
      if (error instanceof errors.JOSEError && TOKEN_FAULTS.has(error.code)) {
        throw new UnauthorizedError(undefined, { cause: error });
      }
      throw new Error('Could not verify the access token (signing keys unavailable?)', { cause: error });
    }

    const claims = accessTokenClaims.safeParse(payload);
    if (!claims.success) throw new UnauthorizedError(undefined, { cause: claims.error });
    if (!clientIds.has(claims.data.client_id)) {
      throw new UnauthorizedError(undefined, {
        cause: new Error(`client_id ${claims.data.client_id} is not accepted`),
      });
    }

    // A token without an account, or with one that is not a safe id, names nobody's data: not signed in.
    const { account } = claims.data;
    if (!isAccountId(account)) {
      throw new UnauthorizedError(
        account === undefined
          ? 'The access token names no account; sign in again.'
          : 'The access token names an account id that is not valid; sign in again.',
      );
    }

    const groups = claims.data['cognito:groups'] ?? [];
    if (!groups.includes(options.adminGroup)) throw new ForbiddenError();
    return {
      username: claims.data.username ?? claims.data['cognito:username'] ?? claims.data.sub,
      groups,
      account,
    };
  };
};
