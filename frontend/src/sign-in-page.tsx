import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useApp } from './app-context';
import { SignInError } from './auth/authenticator';
import { Icon } from './ui/icons';

const USER_NOTES: Record<string, string> = {
  admin: 'Administrator: member of the admins group',
  viewer: 'Signed in without administrator rights',
};

/** Only paths inside the console, so a crafted link cannot send a user elsewhere after sign-in. */
const safeReturnPath = (next: string | null): string =>
  next?.startsWith('/') && !next.startsWith('//') ? next : '/';

/** Local sign-in with the seeded users, or the way to the Cognito hosted UI on AWS. */
export const SignInPage = () => {
  const { auth, session, setSession, signedOutReason } = useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('next'));
  const [username, setUsername] = useState(auth.kind === 'local' ? (auth.users[0] ?? '') : '');
  const [account, setAccount] = useState(auth.kind === 'local' ? (auth.accounts[0] ?? 'default') : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  if (session) return <Navigate to={returnTo} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      if (auth.kind === 'local') {
        setSession(await auth.signInAs(username, account.trim()));
        navigate(returnTo, { replace: true });
      } else {
        await auth.signInRedirect(returnTo);
      }
    } catch (caught) {
      setError(caught instanceof SignInError ? caught.message : 'Sign-in failed. Try again.');
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">
            <Icon name="upload" size={20} />
          </span>
          <span>Admin Console</span>
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        {signedOutReason ? (
          <p className="notice notice-info" role="status">
            {signedOutReason}
          </p>
        ) : null}
        {auth.kind === 'local' ? (
          <fieldset className="user-choices">
            <legend>Local stack: choose a seeded user</legend>
            {auth.users.map((user) => (
              <label key={user} className={`user-choice${user === username ? ' selected' : ''}`}>
                <input
                  type="radio"
                  name="username"
                  value={user}
                  checked={user === username}
                  onChange={() => setUsername(user)}
                />
                <span className="avatar" aria-hidden="true">
                  {user.slice(0, 2).toUpperCase()}
                </span>
                <span>
                  <span className="user-choice-name">{user}</span>
                  {USER_NOTES[user] ? <span className="user-choice-note">{USER_NOTES[user]}</span> : null}
                </span>
              </label>
            ))}
          </fieldset>
        ) : null}
        {auth.kind === 'local' ? (
          <div className="field">
            <label htmlFor="sign-in-account">Account</label>
            <input
              id="sign-in-account"
              name="account"
              list="sign-in-accounts"
              value={account}
              autoComplete="off"
              spellCheck={false}
              aria-describedby="sign-in-account-hint"
              onChange={(event) => setAccount(event.target.value)}
            />
            <datalist id="sign-in-accounts">
              {auth.accounts.map((suggested) => (
                <option key={suggested} value={suggested} />
              ))}
            </datalist>
            <p id="sign-in-account-hint" className="field-hint">
              The organisation to work in: choose one or type another (lower-case letters, digits, - and _).
              Each account sees only its own imports, records and settings.
            </p>
          </div>
        ) : (
          <p className="muted">You will continue to your organisation's sign-in page and come back here.</p>
        )}
        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy
            ? 'Signing in…'
            : auth.kind === 'local'
              ? `Sign in as ${username} to ${account.trim() || '…'}`
              : 'Continue to sign-in'}
        </button>
      </form>
    </main>
  );
};
