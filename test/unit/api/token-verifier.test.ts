import { SignJWT, UnsecuredJWT } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../../lambdas/api/token-verifier';
import { ForbiddenError, UnauthorizedError } from '../../../lambdas/shared/errors';
import {
  ADMIN_GROUP,
  accessToken,
  CLIENT_ID,
  createSigner,
  ISSUER,
  type TestSigner,
  type TokenOptions,
  testSigner,
} from './support';

let signer: TestSigner;
let verify: TokenVerifier;

beforeAll(async () => {
  signer = await testSigner();
  verify = createTokenVerifier({
    issuer: ISSUER,
    clientIds: ['other-client', CLIENT_ID],
    adminGroup: ADMIN_GROUP,
    keys: signer.keys,
  });
});

const bearer = async (options: TokenOptions = {}) => `Bearer ${await accessToken(signer, options)}`;

describe('createTokenVerifier', () => {
  it('accepts an admin access token and names the caller by its username', async () => {
    const principal = await verify(await bearer({ username: 'ada', groups: ['staff', ADMIN_GROUP] }));

    expect(principal).toEqual({ username: 'ada', groups: ['staff', ADMIN_GROUP], account: 'default' });
  });

  it('falls back to cognito:username, then sub, for the caller name', async () => {
    const fromCognito = await verify(
      await bearer({ claims: { username: undefined, 'cognito:username': 'grace' } }),
    );
    const fromSub = await verify(await bearer({ claims: { username: undefined, sub: 'sub-123' } }));

    expect(fromCognito.username).toBe('grace');
    expect(fromSub.username).toBe('sub-123');
  });

  it('accepts a token that expired within the clock tolerance', async () => {
    await expect(verify(await bearer({ expiresIn: -2 }))).resolves.toMatchObject({ username: 'admin' });
  });

  it('refuses a valid non-admin with 403', async () => {
    await expect(verify(await bearer({ username: 'viewer', groups: ['viewers'] }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(verify(await bearer({ claims: { 'cognito:groups': undefined } }))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', 'Basic YWRtaW46YWRtaW4='],
    ['a bare Bearer', 'Bearer'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
  ])('refuses %s with 401', async (_case, header) => {
    await expect(verify(header)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an expired token with 401 and says so', async () => {
    await expect(verify(await bearer({ expiresIn: -60 }))).rejects.toThrow(/expired/);
  });

  it.each<[string, TokenOptions]>([
    [
      'a token from another issuer',
      { claims: { iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' } },
    ],
    ['a token for another app client', { claims: { client_id: 'someone-elses-client' } }],
    [
      'an ID token instead of an access token',
      { claims: { token_use: 'id', client_id: undefined, aud: CLIENT_ID } },
    ],
    ['any token whose token_use is not access', { claims: { token_use: 'id' } }],
    ['a token without expiry', { claims: { exp: undefined } }],
    ['a token not valid yet', { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }],
    ['a token without a subject', { claims: { sub: undefined } }],
  ])('refuses %s with 401', async (_case, options) => {
    await expect(verify(await bearer(options))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const unsigned = new UnsecuredJWT({
      token_use: 'access',
      client_id: CLIENT_ID,
      sub: 'sub-admin',
      username: 'admin',
      'cognito:groups': [ADMIN_GROUP],
    })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .encode();

    await expect(verify(`Bearer ${unsigned}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a token signed by another key that claims our key id', async () => {
    const forger = await createSigner(signer.kid);

    await expect(verify(`Bearer ${await accessToken(forger)}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses a signature whose bytes were altered', async () => {
    const [header, payload, signature = ''] = (await accessToken(signer)).split('.');
    const altered = `${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;

    await expect(verify(`Bearer ${header}.${payload}.${altered}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('refuses an HS256 token (algorithm confusion)', async () => {
    const token = await new SignJWT({
      token_use: 'access',
      client_id: CLIENT_ID,
      sub: 's',
      username: 'admin',
    })
      .setProtectedHeader({ alg: 'HS256', kid: signer.kid })
      .setIssuer(ISSUER)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!!'));

    await expect(verify(`Bearer ${token}`)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('reports unreachable signing keys as a server failure, not as a bad token', async () => {
    const unreachable = createTokenVerifier({
      issuer: ISSUER,
      clientIds: [CLIENT_ID],
      adminGroup: ADMIN_GROUP,
      keys: async () => {
        throw new TypeError('fetch failed');
      },
    });

    const outcome = unreachable(await bearer());

    await expect(outcome).rejects.toThrow(/signing keys unavailable/);
    await expect(outcome).rejects.not.toBeInstanceOf(UnauthorizedError);
  });
});
