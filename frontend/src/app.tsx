import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Link, Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { ApiError } from '../../client/api-client';
import { AppProvider, useApp } from './app-context';
import type { Authenticator } from './auth/authenticator';
import type { Session } from './auth/session';
import type { ConsoleConfig } from './config';
import { HomePage } from './home-page';
import { ImportsPage } from './imports/imports-page';
import { SignInPage } from './sign-in-page';
import { AppHeader } from './ui/app-header';

/** A client error will not get better by asking again; anything else gets two more tries. */
const shouldRetry = (failures: number, error: Error): boolean =>
  !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2;

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: shouldRetry } } });

/** Every route but sign-in needs a session; without one, sign in and come back here. */
const SignedInLayout = () => {
  const { session } = useApp();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <div className="shell">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <AppHeader />
      <div id="content">
        <Outlet />
      </div>
    </div>
  );
};

const NotFoundPage = () => (
  <main className="page">
    <section className="blocked">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <Link className="button" to="/">
        Back to the console home
      </Link>
    </section>
  </main>
);

export const App = ({
  config,
  auth,
  initialSession,
}: {
  config: ConsoleConfig;
  auth: Authenticator;
  initialSession: Session | undefined;
}) => (
  <QueryClientProvider client={queryClient}>
    <AppProvider config={config} auth={auth} initialSession={initialSession}>
      <BrowserRouter>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route element={<SignedInLayout />}>
            <Route index element={<HomePage />} />
            <Route path="imports/:importId?" element={<ImportsPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </AppProvider>
  </QueryClientProvider>
);
