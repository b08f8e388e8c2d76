import { Link, useNavigate } from 'react-router';
import { useApp, useSession } from '../app-context';
import { initials, isAdmin } from '../auth/session';
import { Icon } from './icons';
import { MenuButton } from './menu';

/** The bar on every signed-in screen: the product on the left, the avatar menu on the right. */
export const AppHeader = () => {
  const session = useSession();
  const { signOut } = useApp();
  const navigate = useNavigate();
  const admin = isAdmin(session);

  return (
    <header className="app-header">
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true">
          <Icon name="upload" size={16} />
        </span>
        <span>Admin Console</span>
      </Link>
      <span className="account-chip" title="The account you are signed in to">
        <Icon name="grid" size={14} />
        <span className="visually-hidden">Account: </span>
        <span data-testid="signed-in-account">{session.account}</span>
      </span>
      <MenuButton
        label={`Account menu for ${session.username}`}
        buttonClassName="avatar-button"
        buttonContent={
          <>
            <span className="avatar" aria-hidden="true">
              {initials(session.username)}
            </span>
            <span className="avatar-name">{session.username}</span>
          </>
        }
        header={
          <>
            <div className="menu-header-name">{session.username}</div>
            <div className="menu-header-role">{admin ? 'Administrator' : 'No administrator rights'}</div>
            <div className="menu-header-role">Account: {session.account}</div>
          </>
        }
        items={[
          {
            label: 'Bulk Imports',
            icon: <Icon name="grid" />,
            onSelect: () => navigate('/imports'),
            ...(admin ? {} : { disabledReason: 'Administrators only' }),
          },
          {
            label: 'Sign out',
            icon: <Icon name="logout" />,
            onSelect: () => {
              void signOut().then(() => navigate('/sign-in'));
            },
          },
        ]}
      />
    </header>
  );
};
