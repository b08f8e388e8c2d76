import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { ApiError } from '../../../client/api-client';
import { isFinalStatus, type Task } from '../../../lambdas/shared/model';
import { useApp } from '../app-context';
import { elapsed, formatBytes, formatCount, formatDateTime } from '../format';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import { Pager, useCursorPages } from '../ui/pager';
import { StatusChip } from '../ui/status-chip';
import { templateName, useTemplates } from '../ui/use-templates';
import { FailedRowsGrid } from './failed-rows-grid';
import { type TaskActionHandlers, taskMenuItems } from './task-actions';

/** Rows of errors per page in the details; the exceptions report has them all. */
const ERRORS_PAGE = 10;
const POLL_MS = 2000;

/**
 * One import in full: every task field, the status reason and warnings, the first row errors (paged),
 * the downloads, and "Re-import fixed file".
 */
export const ImportDetails = ({
  importId,
  actions,
  onClose,
  onReimport,
}: {
  importId: string;
  actions: TaskActionHandlers;
  onClose: () => void;
  onReimport: (task: Task) => void;
}) => {
  const { api } = useApp();
  const templates = useTemplates();
  const taskQuery = useQuery({
    queryKey: ['import', importId],
    queryFn: () => api.getImport(importId),
    refetchInterval: (query) =>
      query.state.data && isFinalStatus(query.state.data.status) ? false : POLL_MS,
  });
  const task = taskQuery.data;

  return (
    <Dialog title={task?.fileName ?? 'Import'} subtitle={`Import ${importId}`} size="large" onClose={onClose}>
      {taskQuery.isPending ? (
        <p className="muted">Loading…</p>
      ) : taskQuery.isError ? (
        <p className="notice notice-danger" role="alert">
          {taskQuery.error instanceof ApiError ? taskQuery.error.message : 'This import could not be loaded.'}
        </p>
      ) : (
        <div className="details">
          <div className="details-status">
            <StatusChip status={taskQuery.data.status} />
            {taskQuery.data.statusReason ? (
              <p className="status-reason">{taskQuery.data.statusReason}</p>
            ) : null}
            {taskQuery.data.cancelledBy && !isFinalStatus(taskQuery.data.status) ? (
              <p className="status-reason" role="status">
                Cancelling (asked by {taskQuery.data.cancelledBy}): parts not imported yet are being reported
                as not imported…
              </p>
            ) : null}
          </div>
          <div className="details-actions" role="toolbar" aria-label="Import actions">
            {taskMenuItems(taskQuery.data, actions).map((item) => (
              <button
                key={item.label}
                type="button"
                className="button button-small"
                aria-disabled={item.disabledReason ? true : undefined}
                title={item.disabledReason}
                onClick={() => {
                  if (!item.disabledReason) item.onSelect();
                }}
              >
                {item.icon}
                {item.label}
              </button>
            ))}
            <button
              type="button"
              className="button button-primary button-small"
              onClick={() => onReimport(taskQuery.data)}
            >
              <Icon name="upload" />
              Re-import fixed file
            </button>
          </div>
          <Lineage task={taskQuery.data} />
          <Counters task={taskQuery.data} />
          <TaskFields
            task={taskQuery.data}
            typeName={templateName(templates.data, taskQuery.data.templateId)}
          />
          {taskQuery.data.warnings && taskQuery.data.warnings.length > 0 ? (
            <section className="details-section" aria-labelledby="warnings-title">
              <h3 id="warnings-title">Warnings</h3>
              <ul className="warnings">
                {taskQuery.data.warnings.map((warning) => (
                  <li key={warning}>{warning}</li>
                ))}
              </ul>
            </section>
          ) : null}
          <RowErrors task={taskQuery.data} />
          {canFix(taskQuery.data) ? <FailedRowsGrid task={taskQuery.data} /> : null}
        </div>
      )}
    </Dialog>
  );
};

/** Whether the import's failed rows can be fixed here: it has ended with rows read, some of them failed. */
const canFix = (task: Task): boolean =>
  isFinalStatus(task.status) && task.status !== 'VALIDATION_FAILED' && task.errorCount > 0;

/** Why a check cannot be imported now, or undefined when it can. */
const commitBlocked = (task: Task): string | undefined => {
  if (!isFinalStatus(task.status)) return 'The check is still running.';
  if (task.status === 'VALIDATION_FAILED')
    return 'The file did not pass validation: fix it and check it again.';
  if (task.committedImportId) return 'This check was imported already.';
  return undefined;
};

/**
 * What an import is to others: a check (nothing imported, with "Import now" once it has finished), the
 * import that committed a check, or a commit of one; each links to the other.
 */
const Lineage = ({ task }: { task: Task }) => {
  const { api } = useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const commit = useMutation({
    mutationFn: () => api.commitCheck(task.importId),
    onSuccess: (started) => {
      void queryClient.invalidateQueries({ queryKey: ['imports'] });
      void queryClient.invalidateQueries({ queryKey: ['import', task.importId] });
      navigate(`/imports/${started.importId}`);
    },
  });
  const link = (importId: string, label: string) => (
    <button type="button" className="link-button" onClick={() => navigate(`/imports/${importId}`)}>
      {label}
    </button>
  );
  const parent = task.parentImportId ? (
    <p className="notice notice-info" data-testid="lineage">
      {task.fixRows !== undefined && !task.dryRun && task.parentImportId ? (
        <>
          This import fixes {formatCount(task.fixRows)} failed {task.fixRows === 1 ? 'row' : 'rows'} of{' '}
          {link(task.parentImportId, task.parentImportId)}; its rows keep their numbers there.
        </>
      ) : (
        <>
          This import commits the check {link(task.parentImportId, task.parentImportId)}: the same file, read
          the same way.
        </>
      )}
    </p>
  ) : null;
  const fixes = task.fixImportIds?.length ? <FixChain task={task} /> : null;
  if (!task.dryRun)
    return parent || fixes ? (
      <>
        {parent}
        {fixes}
      </>
    ) : null;
  const blocked = commitBlocked(task);
  const final = isFinalStatus(task.status);
  return (
    <div className="notice notice-warning check-notice" data-testid="lineage">
      <p>
        <strong>This was a check: nothing was imported.</strong>{' '}
        {task.fixRows !== undefined && task.parentImportId ? (
          <>
            It checked {formatCount(task.fixRows)} fixed {task.fixRows === 1 ? 'row' : 'rows'} of{' '}
            {link(task.parentImportId, task.parentImportId)}.{' '}
          </>
        ) : null}
        {final && task.status !== 'VALIDATION_FAILED'
          ? `Importing the file now would import ${formatCount(task.successCount)} ${task.successCount === 1 ? 'row' : 'rows'}; ${formatCount(task.errorCount)} would fail, as listed below.`
          : 'Every row is checked as an import would check it, existing records included.'}
      </p>
      {task.committedImportId ? (
        <p>Imported as {link(task.committedImportId, task.committedImportId)}.</p>
      ) : (
        <div className="check-actions">
          <button
            type="button"
            className="button button-primary button-small"
            aria-disabled={blocked || commit.isPending ? true : undefined}
            title={blocked}
            onClick={() => {
              if (!blocked && !commit.isPending) commit.mutate();
            }}
          >
            <Icon name="upload" />
            {commit.isPending ? 'Starting the import…' : 'Import now'}
          </button>
          {commit.isError ? (
            <span className="field-error" role="alert">
              {commit.error instanceof ApiError ? commit.error.message : 'The import could not be started.'}
            </span>
          ) : null}
        </div>
      )}
    </div>
  );
};

/** The fixes of an import (and fixes of those), each with its status, newest last. */
const FixChain = ({ task }: { task: Task }) => {
  const { api } = useApp();
  const navigate = useNavigate();
  const ids = task.fixImportIds ?? [];
  const fixes = useQueries({
    queries: ids.map((importId) => ({
      queryKey: ['import', importId],
      queryFn: () => api.getImport(importId),
      refetchInterval: (query: { state: { data?: Task } }) =>
        query.state.data && isFinalStatus(query.state.data.status) ? false : POLL_MS,
    })),
  });
  return (
    <section className="details-section" aria-labelledby="fixes-title">
      <h3 id="fixes-title">Fixes of this import</h3>
      <ol className="fix-chain" aria-label="Fixes of this import">
        {ids.map((importId, index) => {
          const fix = fixes[index]?.data;
          return (
            <li key={importId}>
              <button type="button" className="link-button" onClick={() => navigate(`/imports/${importId}`)}>
                {importId}
              </button>
              {fix ? (
                <>
                  <StatusChip status={fix.status} />
                  <span className="muted">
                    {fix.dryRun ? 'check of ' : ''}
                    {formatCount(fix.fixRows)} {fix.fixRows === 1 ? 'row' : 'rows'}
                    {fix.parentImportId && fix.parentImportId !== task.importId
                      ? `, of ${fix.parentImportId.slice(0, 8)}`
                      : ''}
                    {isFinalStatus(fix.status) && !fix.dryRun
                      ? ` · ${formatCount(fix.successCount)} imported, ${formatCount(fix.errorCount)} failed`
                      : ''}{' '}
                    · by {fix.createdBy}, {formatDateTime(fix.createdAt)}
                  </span>
                </>
              ) : (
                <span className="muted">Loading…</span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
};

const Counters = ({ task }: { task: Task }) => (
  <dl className="counters">
    <div>
      <dt>Rows in file</dt>
      <dd>{formatCount(task.totalRows)}</dd>
    </div>
    <div>
      <dt>{task.dryRun ? 'Checked' : 'Processed'}</dt>
      <dd>{formatCount(task.processedRows)}</dd>
    </div>
    <div className="counter-success">
      <dt>{task.dryRun ? 'Would import' : 'Imported'}</dt>
      <dd>{formatCount(task.successCount)}</dd>
    </div>
    {task.createdCount !== undefined ? (
      <div>
        <dt>{task.dryRun ? 'Would create' : 'Created'}</dt>
        <dd>{formatCount(task.createdCount)}</dd>
      </div>
    ) : null}
    {task.updatedCount !== undefined ? (
      <div>
        <dt>{task.dryRun ? 'Would update' : 'Updated'}</dt>
        <dd>{formatCount(task.updatedCount)}</dd>
      </div>
    ) : null}
    <div className={task.errorCount > 0 ? 'counter-danger' : undefined}>
      <dt>{task.dryRun ? 'Would fail' : 'Failed'}</dt>
      <dd>{formatCount(task.errorCount)}</dd>
    </div>
    {task.outstandingRows !== undefined && task.fixImportIds?.length ? (
      <div className={task.outstandingRows > 0 ? 'counter-danger' : 'counter-success'}>
        <dt>Still to fix</dt>
        <dd>{formatCount(task.outstandingRows)}</dd>
      </div>
    ) : null}
  </dl>
);

const kindOf = (task: Task): string => {
  if (task.fixRows !== undefined)
    return task.dryRun ? 'Check of fixes (nothing imported)' : 'Fix of failed rows';
  if (task.dryRun) return 'Check (nothing imported)';
  return task.parentImportId ? 'Import of a check' : 'Import';
};

const TaskFields = ({ task, typeName }: { task: Task; typeName: string }) => {
  const fields: [string, string | undefined][] = [
    ['Import ID', task.importId],
    ['Type', typeName],
    ['Source', task.source === 'email' ? 'Email' : 'Upload'],
    ['Kind', kindOf(task)],
    ['Upload filename', task.fileName],
    ['File size', task.fileSize === undefined ? undefined : formatBytes(task.fileSize)],
    ['User added', task.createdBy],
    ['Created', formatDateTime(task.createdAt)],
    ['Processing started', formatDateTime(task.startedAt)],
    ['Ended', formatDateTime(task.endedAt)],
    ...(task.cancelledBy
      ? ([['Cancelled', `by ${task.cancelledBy}, ${formatDateTime(task.cancelledAt)}`]] as [string, string][])
      : []),
    ['Duration', elapsed(task.createdAt, task.endedAt)],
  ];
  if (task.email) {
    fields.push(
      ['Email from', task.email.from],
      ['Email subject', task.email.subject],
      ['Email received', formatDateTime(task.email.receivedAt)],
    );
  }
  return (
    <dl className="fields">
      {fields.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
};

const RowErrors = ({ task }: { task: Task }) => {
  const { api } = useApp();
  const pages = useCursorPages();
  const { cursor, page } = pages;
  const errors = useQuery({
    queryKey: ['import-errors', task.importId, cursor, task.errorCount],
    queryFn: () => api.listErrors(task.importId, ERRORS_PAGE, cursor),
    enabled: task.errorCount > 0,
    placeholderData: keepPreviousData,
  });
  if (task.errorCount === 0) return null;
  const first = (page - 1) * ERRORS_PAGE + 1;
  const shown = errors.data?.items.length ?? 0;
  return (
    <section className="details-section" aria-labelledby="errors-title">
      <div className="section-head">
        <h3 id="errors-title">Row errors</h3>
        <span className="muted">
          {shown > 0 ? `Showing ${formatCount(first)}–${formatCount(first + shown - 1)}` : ''} · download
          Exceptions for every failed row
        </span>
      </div>
      {errors.isError ? (
        <p className="notice notice-danger" role="alert">
          {errors.error instanceof ApiError ? errors.error.message : 'Row errors could not be loaded.'}
        </p>
      ) : (
        <table className="table table-compact" aria-label="Row errors">
          <thead>
            <tr>
              <th scope="col" className="numeric">
                Row
              </th>
              <th scope="col">Column</th>
              <th scope="col">Error type</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {(errors.data?.items ?? []).map((error) => (
              <tr key={`${error.rowNumber}:${error.errorType}:${error.column ?? ''}:${error.message}`}>
                <td className="numeric">{error.rowNumber}</td>
                <td>{error.column ? <code>{error.column}</code> : <span className="muted">—</span>}</td>
                <td>
                  <code>{error.errorType}</code>
                </td>
                <td>{error.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager
        pages={pages}
        nextCursor={errors.data?.nextCursor}
        labels={{ back: 'Previous', forward: 'Next' }}
        label="Pages of row errors"
      />
    </section>
  );
};
