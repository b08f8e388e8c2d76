import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { type ApiClient, createApiClient } from '../../client/api-client';
import type { Authenticator } from './auth/authenticator';
import type { Session } from './auth/session';
import { apiUrl, type ConsoleConfig } from './config';

/** What every screen needs: the configuration, who is signed in, and an API client that carries the token. */
export interface AppContextValue {
  config: ConsoleConfig;
  auth: Authenticator;
  api: ApiClient;
  session: Session | undefined;
  /** Why the user is on the sign-in page again, if the console sent them there. */
  signedOutReason: string | undefined;
  setSession: (session: Session) => void;
  signOut: (reason?: string) => Promise<void>;
}

const AppContext = createContext<AppContextValue | undefined>(undefined);

export const AppProvider = ({
  config,
  auth,
  initialSession,
  children,
}: {
  config: ConsoleConfig;
  auth: Authenticator;
  initialSession: Session | undefined;
  children: ReactNode;
}) => {
  const [session, setSessionState] = useState(initialSession);
  const [signedOutReason, setSignedOutReason] = useState<string>();
  // The API client is built once; it reads the token through this ref so it never holds a stale one.
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const signOut = useCallback(
    async (reason?: string) => {
      setSignedOutReason(reason);
      setSessionState(undefined);
      sessionRef.current = undefined;
      await auth.signOut();
    },
    [auth],
  );

  const api = useMemo(
    () =>
      createApiClient({
        url: (path) => apiUrl(config, path),
        token: () => sessionRef.current?.accessToken,
        onUnauthorized: () => {
          if (sessionRef.current) void signOut('Your session has ended. Sign in again to continue.');
        },
      }),
    [config, signOut],
  );

  const setSession = useCallback((next: Session) => {
    setSignedOutReason(undefined);
    sessionRef.current = next;
    setSessionState(next);
  }, []);

  const value = useMemo(
    () => ({ config, auth, api, session, signedOutReason, setSession, signOut }),
    [config, auth, api, session, signedOutReason, setSession, signOut],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
};

export const useApp = (): AppContextValue => {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp must be used inside <AppProvider>');
  return value;
};

/** The signed-in session; only for screens behind the sign-in guard. */
export const useSession = (): Session => {
  const { session } = useApp();
  if (!session) throw new Error('useSession needs a signed-in user');
  return session;
};
