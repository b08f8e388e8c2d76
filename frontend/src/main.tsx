import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import {
  type Authenticator,
  createCognitoAuthenticator,
  createLocalAuthenticator,
} from './auth/authenticator';
import { loadConsoleConfig } from './config';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
const root = createRoot(container);

/** Shown when the console cannot start (no or bad config.json, sign-in provider unreachable). */
const StartupError = ({ message }: { message: string }) => (
  <main className="sign-in">
    <section className="sign-in-card" role="alert">
      <h1>The console could not start</h1>
      <p>{message}</p>
      <button type="button" className="button button-primary" onClick={() => window.location.reload()}>
        Try again
      </button>
    </section>
  </main>
);

const start = async () => {
  const config = await loadConsoleConfig();
  const auth: Authenticator =
    config.kind === 'local' ? createLocalAuthenticator(config) : createCognitoAuthenticator(config);
  const { session, returnTo } = await auth.restore();
  if (returnTo) window.history.replaceState(null, '', returnTo);
  root.render(
    <StrictMode>
      <App config={config} auth={auth} initialSession={session} />
    </StrictMode>,
  );
};

start().catch((error: unknown) => {
  console.error('Console start-up failed', error);
  root.render(<StartupError message={error instanceof Error ? error.message : String(error)} />);
});
