import { UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { z } from 'zod';
import { apiUrl, type CognitoConfig, type LocalConfig } from '../config';
import { isExpired, type Session, sessionFromAccessToken } from './session';

/**
 * Sign-in, two ways behind one interface: the local stack's sign-in page (`POST /local/token`), or the
 * Cognito hosted UI (authorization code + PKCE). Tokens live in sessionStorage only: gone when the tab
 * closes, never in localStorage, cookies or URLs, and removed on sign-out.
 */
interface AuthenticatorBase {
  /** The session kept in this tab, or the one a sign-in redirect just brought back. */
  restore(): Promise<{ session?: Session; returnTo?: string }>;
  signOut(): Promise<void>;
}

export interface LocalAuthenticator extends AuthenticatorBase {
  readonly kind: 'local';
  readonly users: readonly string[];
  /** Accounts to suggest at sign-in; any other safe account id can be typed. */
  readonly accounts: readonly string[];
  signInAs(username: string, account: string): Promise<Session>;
}

export interface CognitoAuthenticator extends AuthenticatorBase {
  readonly kind: 'cognito';
  /** Leaves for the hosted UI; the browser comes back to `/` with a code. */
  signInRedirect(returnTo: string): Promise<void>;
}

export type Authenticator = LocalAuthenticator | CognitoAuthenticator;

const LOCAL_TOKEN_KEY = 'bulk-imports.local-token';

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

const tokenResponseSchema = z.object({ token: z.string().min(1) });
const errorResponseSchema = z.object({ error: z.object({ message: z.string() }) });

export const createLocalAuthenticator = (
  config: LocalConfig,
  storage: Storage = sessionStorage,
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
): LocalAuthenticator => ({
  kind: 'local',
  users: config.localSignIn.users,
  accounts: config.localSignIn.accounts ?? ['default'],
  async restore() {
    const token = storage.getItem(LOCAL_TOKEN_KEY);
    if (!token) return {};
    try {
      const session = sessionFromAccessToken(token);
      if (!isExpired(session, Date.now())) return { session };
    } catch {
      // A token we cannot read is as good as none: sign in again.
    }
    storage.removeItem(LOCAL_TOKEN_KEY);
    return {};
  },
  async signInAs(username, account) {
    const response = await fetchFn(apiUrl(config, '/local/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, account }),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const problem = errorResponseSchema.safeParse(body);
      throw new SignInError(
        problem.success ? problem.data.error.message : `Sign-in failed (HTTP ${response.status}).`,
      );
    }
    const parsed = tokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new SignInError('The sign-in answer carried no token.');
    const session = sessionFromAccessToken(parsed.data.token);
    storage.setItem(LOCAL_TOKEN_KEY, parsed.data.token);
    return session;
  },
  async signOut() {
    storage.removeItem(LOCAL_TOKEN_KEY);
  },
});

const returnStateSchema = z.object({ returnTo: z.string().startsWith('/') });

export const createCognitoAuthenticator = (config: CognitoConfig): CognitoAuthenticator => {
  const origin = window.location.origin;
  const authDomain = config.authDomain.replace(/\/+$/, '');
  // The CDK stack registers `${origin}/` as the only callback and sign-out URL.
  const redirectUri = `${origin}/`;
  const manager = new UserManager({
    authority: `https://cognito-idp.${config.region}.amazonaws.com/${config.userPoolId}`,
    client_id: config.clientId,
    redirect_uri: redirectUri,
    post_logout_redirect_uri: redirectUri,
    response_type: 'code',
    scope: config.scopes.join(' '),
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    // Cognito's discovery document lists neither of these; its hosted UI serves both.
    metadataSeed: {
      revocation_endpoint: `${authDomain}/oauth2/revoke`,
      end_session_endpoint: `${authDomain}/logout`,
    },
    automaticSilentRenew: true,
    revokeTokenTypes: ['refresh_token'],
  });

  return {
    kind: 'cognito',
    async restore() {
      const params = new URLSearchParams(window.location.search);
      if (params.has('code') && params.has('state')) {
        const user = await manager.signinRedirectCallback();
        const state = returnStateSchema.safeParse(user.state);
        const returnTo = state.success ? state.data.returnTo : '/';
        // Drop the code from the address bar and history.
        window.history.replaceState(null, '', returnTo);
        return { session: sessionFromAccessToken(user.access_token), returnTo };
      }
      const user = await manager.getUser();
      if (!user) return {};
      if (user.expired) {
        try {
          const renewed = await manager.signinSilent();
          return renewed ? { session: sessionFromAccessToken(renewed.access_token) } : {};
        } catch {
          await manager.removeUser();
          return {};
        }
      }
      return { session: sessionFromAccessToken(user.access_token) };
    },
    async signInRedirect(returnTo) {
      await manager.signinRedirect({ state: { returnTo } });
    },
    async signOut() {
      try {
        await manager.revokeTokens();
      } finally {
        await manager.removeUser();
        // Cognito's logout takes `logout_uri` rather than OIDC's `post_logout_redirect_uri`.
        window.location.assign(
          `${authDomain}/logout?client_id=${encodeURIComponent(config.clientId)}&logout_uri=${encodeURIComponent(redirectUri)}`,
        );
      }
    },
  };
};
