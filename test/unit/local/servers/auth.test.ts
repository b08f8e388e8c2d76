import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { AccountId } from '../../../../lambdas/shared/account';
import {
  accessTokenClaims,
  LOCAL_CLIENT_ID,
  loadOrCreateSecrets,
  localIssuer,
  localSubject,
  publicJwks,
  SECRETS_FILE,
  signAccessToken,
} from '../../../../local/servers/auth';

const ISSUER = localIssuer(3000, 'us-east-1');
const NOW = new Date('2026-11-22T10:00:00Z');

describe('local access token claims', () => {
  it('shapes an admin token like a Cognito access token', () => {
    // Act
    const claims = accessTokenClaims('admin', { issuer: ISSUER, clientId: LOCAL_CLIENT_ID, now: NOW });

    // Assess
    const iat = NOW.getTime() / 1000;
    expect(claims).toEqual({
      sub: localSubject('admin'),
      'cognito:groups': ['admins'],
      iss: 'http://localhost:3000/local/us-east-1_LocalPool',
      version: 2,
      client_id: LOCAL_CLIENT_ID,
      origin_jti: expect.any(String),
      event_id: expect.any(String),
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: iat,
      exp: iat + 3600,
      iat,
      jti: expect.any(String),
      username: 'admin',
      account: 'default',
    });
  });

  it('names the account signed in to, and gives a user of another account a subject of its own', () => {
    // Act
    const acme = accessTokenClaims('admin', {
      issuer: ISSUER,
      clientId: LOCAL_CLIENT_ID,
      now: NOW,
      account: 'acme' as AccountId,
    });

    // Assess
    expect(acme.account).toBe('acme');
    expect(acme['cognito:groups']).toEqual(['admins']);
    expect(acme.sub).not.toBe(localSubject('admin'));
    expect(acme.sub).toBe(localSubject('admin', 'acme' as AccountId));
  });

  it('leaves the groups claim out for a user in no group, as Cognito does', () => {
    // Act
    const claims = accessTokenClaims('viewer', { issuer: ISSUER, clientId: LOCAL_CLIENT_ID, now: NOW });

    // Assess
    expect(claims).not.toHaveProperty('cognito:groups');
    expect(claims.username).toBe('viewer');
  });

  it('gives each user a stable UUID-shaped subject and each token its own jti', () => {
    // Act
    const first = accessTokenClaims('admin', { issuer: ISSUER, clientId: LOCAL_CLIENT_ID, now: NOW });
    const second = accessTokenClaims('admin', { issuer: ISSUER, clientId: LOCAL_CLIENT_ID, now: NOW });

    // Assess
    expect(first.sub).toBe(second.sub);
    expect(first.sub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(localSubject('viewer')).not.toBe(first.sub);
    expect(first.jti).not.toBe(second.jti);
  });
});

describe('local secrets and signing', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the key once, private to its owner, and reads the same one back', async () => {
    // Act
    const created = await loadOrCreateSecrets(join(dir, 'secrets'));
    const again = await loadOrCreateSecrets(join(dir, 'secrets'));

    // Assess
    expect(created.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.secrets).toEqual(created.secrets);
    expect(created.secrets.cursorSecret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dir, 'secrets', SECRETS_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged secrets file instead of replacing it', async () => {
    // Prepare
    const { secrets } = await loadOrCreateSecrets(dir);
    const path = join(dir, SECRETS_FILE);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace(secrets.cursorSecret, 'short'));

    // Act
    const load = loadOrCreateSecrets(dir);

    // Assess
    await expect(load).rejects.toThrow(/not a valid secrets file/);
  });

  it('signs tokens that verify against the published JWKS, which holds no private part', async () => {
    // Prepare
    const { secrets } = await loadOrCreateSecrets(dir);
    const claims = accessTokenClaims('admin', { issuer: ISSUER, clientId: LOCAL_CLIENT_ID, now: new Date() });
    const jwks = publicJwks(secrets);

    // Act
    const token = await signAccessToken(secrets, claims);
    const verified = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      algorithms: ['RS256'],
    });

    // Assess
    expect(verified.protectedHeader).toEqual({ alg: 'RS256', kid: secrets.kid });
    expect(verified.payload['cognito:groups']).toEqual(['admins']);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(jwks.keys[0]).not.toHaveProperty('p');
  });
});
