import { Link } from 'react-router';
import { useSession } from './app-context';
import { Icon } from './ui/icons';

/** What a signed-in non-admin sees on an admin-only URL (the API would answer 403 anyway). */
export const AdminsOnlyPage = () => {
  const session = useSession();
  return (
    <main className="page">
      <section className="blocked" aria-labelledby="blocked-title">
        <span className="blocked-icon" aria-hidden="true">
          <Icon name="lock" size={32} />
        </span>
        <h1 id="blocked-title">Administrators only</h1>
        <p>
          The Imports area is for administrators of this account. You are signed in as{' '}
          <strong>{session.username}</strong>, who is not an administrator.
        </p>
        <p className="muted">Ask an administrator to add you to the admins group, then sign in again.</p>
        <Link className="button" to="/">
          Back to the console home
        </Link>
      </section>
    </main>
  );
};
