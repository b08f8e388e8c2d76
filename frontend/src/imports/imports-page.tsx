import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError } from '../../../client/api-client';
import { isFinalStatus, type Task } from '../../../lambdas/shared/model';
import { AdminsOnlyPage } from '../admins-only-page';
import { useApp, useSession } from '../app-context';
import { isAdmin } from '../auth/session';
import { EmailSettingsDialog } from '../settings/email-settings-dialog';
import { Icon } from '../ui/icons';
import { Pager, useCursorPages } from '../ui/pager';
import { useTemplates } from '../ui/use-templates';
import { ImportWizard } from '../wizard/import-wizard';
import { ImportDetails } from './import-details';
import { ImportsGrid } from './imports-grid';
import { useTaskActions } from './task-actions';

/** Imports per page of the grid. */
export const PAGE_SIZE = 20;
/** While any import on the page is still running, the page is read again this often. */
const POLL_MS = 2000;

type Overlay = { kind: 'none' } | { kind: 'wizard'; templateId?: string } | { kind: 'email-settings' };

/** The Imports page (`/imports`, `/imports/{importId}` with its details open); administrators only. */
export const ImportsPage = () => {
  const session = useSession();
  if (!isAdmin(session)) return <AdminsOnlyPage />;
  return <ImportsArea />;
};

const ImportsArea = () => {
  const { api } = useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { importId } = useParams();
  const templates = useTemplates();
  const [overlay, setOverlay] = useState<Overlay>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  const pages = useCursorPages();
  const { cursor, page } = pages;

  const imports = useQuery({
    queryKey: ['imports', cursor],
    queryFn: () => api.listImports(PAGE_SIZE, cursor),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.items.some((task) => !isFinalStatus(task.status)) ? POLL_MS : false,
  });

  const actions = useTaskActions(setNotice);
  const refreshList = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: ['imports'] });
  }, [queryClient]);

  if (imports.error instanceof ApiError && imports.error.status === 403) return <AdminsOnlyPage />;

  const items = imports.data?.items ?? [];

  // In the toolbar, and again in the empty page's call to action: the same button both times.
  const newImportButton = (
    <button
      type="button"
      className="button button-primary"
      title="New import"
      onClick={() => setOverlay({ kind: 'wizard' })}
    >
      <Icon name="plus" size={20} />
      New import
    </button>
  );

  return (
    <main className="page">
      <div className="page-heading">
        <div>
          <h1>Imports</h1>
          <p className="muted">Every import, most recent first. Rows still running update themselves.</p>
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="icon-button icon-button-bordered"
            aria-label="Email Import Settings"
            title="Email Import Settings"
            onClick={() => setOverlay({ kind: 'email-settings' })}
          >
            <Icon name="gear" size={20} />
          </button>
          {newImportButton}
        </div>
      </div>

      {notice ? (
        <div className="notice notice-danger notice-dismissible" role="alert">
          <span>{notice}</span>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => setNotice(undefined)}
          >
            <Icon name="close" />
          </button>
        </div>
      ) : null}

      {imports.isPending ? (
        <p className="muted">Loading imports…</p>
      ) : imports.isError && !imports.data ? (
        <p className="notice notice-danger" role="alert">
          {imports.error instanceof ApiError ? imports.error.message : 'The imports could not be loaded.'}
        </p>
      ) : items.length === 0 && page === 1 ? (
        <section className="empty-state">
          <span className="area-icon" aria-hidden="true">
            <Icon name="upload" size={22} />
          </span>
          <h2>No imports yet</h2>
          <p className="muted">Start one with the Bulk Import Wizard, or email a CSV to an import address.</p>
          {newImportButton}
        </section>
      ) : (
        <>
          <ImportsGrid
            tasks={items}
            templates={templates.data}
            actions={actions}
            onOpen={(task) => navigate(`/imports/${encodeURIComponent(task.importId)}`)}
          />
          <Pager
            pages={pages}
            nextCursor={imports.data?.nextCursor}
            labels={{ back: 'Newer', forward: 'Older' }}
            label="Pages of imports"
          />
        </>
      )}

      {importId && overlay.kind === 'none' ? (
        <ImportDetails
          importId={importId}
          actions={actions}
          onClose={() => navigate('/imports')}
          onReimport={(task: Task) => {
            navigate('/imports');
            setOverlay({ kind: 'wizard', templateId: task.templateId });
          }}
        />
      ) : null}

      {overlay.kind === 'wizard' && templates.data ? (
        <ImportWizard
          templates={templates.data}
          {...(overlay.templateId ? { initialTemplateId: overlay.templateId } : {})}
          onClose={() => {
            setOverlay({ kind: 'none' });
            refreshList();
          }}
          onImportsChanged={refreshList}
        />
      ) : null}

      {overlay.kind === 'email-settings' && templates.data ? (
        <EmailSettingsDialog templates={templates.data} onClose={() => setOverlay({ kind: 'none' })} />
      ) : null}
    </main>
  );
};
