import { Link } from 'react-router';
import { useApp, useSession } from './app-context';
import { initials, isAdmin } from './auth/session';
import { formatDateTime } from './format';
import { Icon } from './ui/icons';

/** Where sign-in lands: what this console offers the signed-in user. */
export const HomePage = () => {
  const session = useSession();
  const { auth } = useApp();
  const admin = isAdmin(session);
  return (
    <main className="page">
      <div className="page-heading">
        <div>
          <h1>Welcome, {session.username}</h1>
          <p className="muted">Manage how records come into this account.</p>
        </div>
      </div>
      <section className="cards" aria-label="Areas">
        <article className={`card area-card${admin ? '' : ' area-card-locked'}`}>
          <span className="area-icon" aria-hidden="true">
            <Icon name={admin ? 'grid' : 'lock'} size={22} />
          </span>
          <div>
            <h2>Bulk Imports</h2>
            <p className="muted">
              Bring users and departments in from CSV files of up to 200 MB, by upload or by email, and review
              every import's results and exceptions.
            </p>
            {admin ? (
              <Link className="button button-primary" to="/imports">
                Open Bulk Imports
              </Link>
            ) : (
              <p className="notice notice-warning">
                Bulk Imports are for administrators only. Ask an administrator of this account for access.
              </p>
            )}
          </div>
        </article>
        <article className="card area-card">
          <span className="area-icon" aria-hidden="true">
            <span className="avatar">{initials(session.username)}</span>
          </span>
          <div>
            <h2>Your access</h2>
            <dl className="account-facts">
              <dt>Signed in as</dt>
              <dd>{session.username}</dd>
              <dt>Role</dt>
              <dd>{admin ? 'Administrator (admins group)' : 'Member, without administrator rights'}</dd>
              <dt>Sign-in</dt>
              <dd>{auth.kind === 'local' ? 'Local stack sign-in' : 'Organisation sign-in (Cognito)'}</dd>
              <dt>Session ends</dt>
              <dd>{formatDateTime(new Date(session.expiresAt).toISOString())}</dd>
            </dl>
          </div>
        </article>
      </section>
    </main>
  );
};
