import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { z } from 'zod';
import type { AccountStores, ApiLogger, ApiResponse } from '../../../lambdas/api/api-types';
import { createCursorCodec } from '../../../lambdas/api/cursor-codec';
import { createApi } from '../../../lambdas/api/router';
import { createTokenVerifier } from '../../../lambdas/api/token-verifier';
import {
  FakeAddressRegistry,
  FakeMappingStore,
  FakeObjectStore,
  FakeRecordStore,
  FakeSettingsStore,
  FakeTaskStore,
} from '../../helpers/fakes';

/** Shaped like a Cognito user pool: tokens are checked against this issuer and app client. */
export const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool';
export const CLIENT_ID = 'console-client-id';
export const ADMIN_GROUP = 'admins';
export const NOW = new Date('2026-11-22T12:00:00.000Z');

/** An RS256 key pair with its public JWKS, like the one Cognito publishes. */
export interface TestSigner {
  kid: string;
  privateKey: CryptoKey;
  jwks: JSONWebKeySet;
  keys: JWTVerifyGetKey;
}

export const createSigner = async (kid = 'test-key-1'): Promise<TestSigner> => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  return { kid, privateKey, jwks, keys: createLocalJWKSet(jwks) };
};

export interface TokenOptions {
  username?: string;
  groups?: string[];
  /** Claims to add or replace (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
}

/** A Cognito-shaped access token signed by `signer`. */
export const accessToken = async (signer: TestSigner, options: TokenOptions = {}): Promise<string> => {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    sub: `sub-${options.username ?? 'admin'}`,
    'cognito:groups': options.groups ?? [ADMIN_GROUP],
    iss: ISSUER,
    client_id: CLIENT_ID,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: now - 60,
    iat: now - 60,
    exp: now + (options.expiresIn ?? 3600),
    jti: `jti-${now}`,
    username: options.username ?? 'admin',
    account: 'default',
    ...options.claims,
  };
  const payload: JWTPayload = Object.fromEntries(
    Object.entries(claims).filter(([, value]) => value !== undefined),
  );
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: signer.kid }).sign(signer.privateKey);
};

let sharedSigner: Promise<TestSigner> | undefined;
/** One key pair per test file: RSA generation is the slow part. */
export const testSigner = (): Promise<TestSigner> => {
  sharedSigner ??= createSigner();
  return sharedSigner;
};

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string>;
  /** Bearer token; null sends no Authorization header. Defaults to an admin's token. */
  token?: string | null;
}

export interface CallResult {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON for JSON responses, the raw text otherwise. */
  body: unknown;
  raw: ApiResponse;
}

/** The API core over in-memory fakes, with a real token verifier and cursor codec. */
export const createHarness = async () => {
  const signer = await testSigner();
  const objects = new FakeObjectStore();
  const tasks = new FakeTaskStore();
  const records = new FakeRecordStore();
  const settings = new FakeSettingsStore();
  const mappings = new FakeMappingStore();
  const addresses = new FakeAddressRegistry();
  // The default account's stores are the ones above; any other account gets stores of its own.
  const accounts = new Map<string, AccountStores>([
    ['default', { objects, tasks, records, settings, mappings }],
  ]);
  const storesOf = (account: string): AccountStores => {
    let stores = accounts.get(account);
    if (!stores) {
      stores = {
        objects: new FakeObjectStore(),
        tasks: new FakeTaskStore(),
        records: new FakeRecordStore(),
        settings: new FakeSettingsStore(),
        mappings: new FakeMappingStore(),
      };
      accounts.set(account, stores);
    }
    return stores;
  };
  const logger: jest.Mocked<ApiLogger> = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  let nextId = 0;
  const api = createApi({
    forAccount: storesOf,
    addresses,
    verifyToken: createTokenVerifier({
      issuer: ISSUER,
      clientIds: [CLIENT_ID],
      adminGroup: ADMIN_GROUP,
      keys: signer.keys,
    }),
    cursors: createCursorCodec('a-cursor-secret-of-at-least-32-characters'),
    logger,
    now: () => new Date(NOW),
    newId: () => {
      nextId += 1;
      return `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`;
    },
  });
  const adminToken = await accessToken(signer, { username: 'admin' });
  const viewerToken = await accessToken(signer, { username: 'viewer', groups: ['viewers'] });

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<CallResult> => {
    const token = options.token === undefined ? adminToken : options.token;
    const raw = await api({
      method,
      path,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      query: options.query ?? {},
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      requestId: 'req-test-1',
    });
    const body: unknown =
      raw.headers['content-type'] === 'application/json' ? JSON.parse(raw.body) : raw.body;
    return { status: raw.statusCode, headers: raw.headers, body, raw };
  };

  return {
    api,
    call,
    objects,
    tasks,
    records,
    settings,
    mappings,
    addresses,
    storesOf,
    logger,
    signer,
    adminToken,
    viewerToken,
  };
};

export type Harness = Awaited<ReturnType<typeof createHarness>>;

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** `{"error":{"code","message"}}` with the given code and a message containing each fragment. */
export const expectError = (result: CallResult, status: number, code: string, ...fragments: string[]) => {
  expect(result.status).toBe(status);
  expect(result.body).toEqual({ error: { code, message: expect.any(String) } });
  const { message } = errorBodySchema.parse(result.body).error;
  for (const fragment of fragments) expect(message).toContain(fragment);
};
