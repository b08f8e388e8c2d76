import { initials, isAdmin, isExpired, sessionFromAccessToken, TokenFormatError } from '../src/auth/session';

const jwt = (claims: Record<string, unknown>): string =>
  ['{"alg":"RS256"}', JSON.stringify(claims), 'signature']
    .map((part, index) => (index < 2 ? Buffer.from(part).toString('base64url') : part))
    .join('.');

describe('sessionFromAccessToken', () => {
  it('reads the name, groups, account and expiry of a Cognito-shaped access token', () => {
    // Prepare
    const token = jwt({
      sub: 'abc',
      username: 'admin',
      'cognito:groups': ['admins'],
      account: 'acme',
      exp: 2_000_000_000,
    });

    // Act
    const session = sessionFromAccessToken(token);

    // Assess
    expect(session).toEqual({
      accessToken: token,
      username: 'admin',
      groups: ['admins'],
      account: 'acme',
      expiresAt: 2_000_000_000_000,
    });
    expect(isAdmin(session)).toBe(true);
  });

  it('treats a token without the groups claim as a non-admin (Cognito omits it when empty)', () => {
    // Act
    const session = sessionFromAccessToken(
      jwt({ sub: 'abc', username: 'viewer', account: 'acme', exp: 2_000_000_000 }),
    );

    // Assess
    expect(session.groups).toEqual([]);
    expect(isAdmin(session)).toBe(false);
  });

  it('decodes UTF-8 names', () => {
    // Act
    const session = sessionFromAccessToken(
      jwt({ sub: 'abc', username: 'zoë', account: 'acme', exp: 2_000_000_000 }),
    );

    // Assess
    expect(session.username).toBe('zoë');
  });

  it('refuses what is not a JWT or lacks the expiry', () => {
    // Assess
    expect(() => sessionFromAccessToken('not-a-token')).toThrow(TokenFormatError);
    expect(() => sessionFromAccessToken(jwt({ sub: 'abc' }))).toThrow('lacks the claims');
  });

  it('refuses a token that names no account: the API would refuse it too', () => {
    // Assess
    expect(() => sessionFromAccessToken(jwt({ sub: 'abc', username: 'admin', exp: 2_000_000_000 }))).toThrow(
      'lacks the claims',
    );
  });
});

describe('isExpired', () => {
  it('counts a token within 30 seconds of its expiry as expired', () => {
    // Prepare
    const session = { accessToken: 't', username: 'u', groups: [], account: 'acme', expiresAt: 100_000 };

    // Assess
    expect(isExpired(session, 60_000)).toBe(false);
    expect(isExpired(session, 70_000)).toBe(true);
  });
});

describe('initials', () => {
  it('takes two letters for the avatar', () => {
    // Assess
    expect(initials('admin')).toBe('AD');
    expect(initials('ada.lovelace@example.com')).toBe('AL');
    expect(initials('')).toBe('?');
  });
});
