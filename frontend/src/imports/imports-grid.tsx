import type { KeyboardEvent } from 'react';
import { isFinalStatus, type Task } from '../../../lambdas/shared/model';
import type { TemplateSummary } from '../../../lambdas/shared/templates/types';
import { formatCount, formatDateParts, formatDateTime } from '../format';
import { Icon } from '../ui/icons';
import { MenuButton } from '../ui/menu';
import { StatusChip } from '../ui/status-chip';
import { templateName } from '../ui/use-templates';
import { type TaskActionHandlers, taskMenuItems } from './task-actions';

const COLUMNS = [
  'Type',
  'Upload Filename',
  'Email Record',
  'Status',
  'Date Started',
  'Date Ended',
  'User Added',
  'Success Count',
  'Error Count',
] as const;

const NUMERIC: ReadonlySet<string> = new Set(['Success Count', 'Error Count']);

const DateCell = ({ iso }: { iso: string | undefined }) => {
  const parts = formatDateParts(iso);
  if (!parts) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      <span className="date-line">{parts.date}</span>
      <span className="time-line">{parts.time}</span>
    </time>
  );
};

/** The imports as a table, one row per task; a row opens its details, its menu offers the downloads. */
export const ImportsGrid = ({
  tasks,
  templates,
  actions,
  onOpen,
}: {
  tasks: Task[];
  templates: TemplateSummary[] | undefined;
  actions: TaskActionHandlers;
  onOpen: (task: Task) => void;
}) => {
  const onRowKey = (event: KeyboardEvent<HTMLTableRowElement>, task: Task) => {
    if (event.target !== event.currentTarget) return; // Keys inside the row menu are the menu's.
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onOpen(task);
    }
  };

  return (
    <div className="table-frame">
      <table className="table imports-table" aria-label="Imports">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th key={column} scope="col" className={NUMERIC.has(column) ? 'numeric' : undefined}>
                {column}
              </th>
            ))}
            <th scope="col" className="actions-column">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => (
            <tr
              key={task.importId}
              className="clickable-row"
              tabIndex={0}
              aria-label={`${task.fileName}: open details`}
              data-import-id={task.importId}
              onClick={() => onOpen(task)}
              onKeyDown={(event) => onRowKey(event, task)}
            >
              <td>{templateName(templates, task.templateId)}</td>
              <td className="filename-cell">
                <span className="truncate" title={task.fileName}>
                  {task.fileName}
                </span>
              </td>
              <td className="email-cell">
                {task.email ? (
                  <span className="email-record" title={`${task.email.from} — ${task.email.subject}`}>
                    <Icon name="mail" size={14} />
                    <span className="truncate">
                      <span>{task.email.from}</span>
                      <span className="muted"> · {task.email.subject}</span>
                    </span>
                  </span>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <StatusChip status={task.status} />
                {task.dryRun ? (
                  <span className="tag" title="A check: every row was checked, nothing was imported">
                    Check
                  </span>
                ) : null}
                {task.cancelledBy ? (
                  <span className="tag tag-muted" title={`Cancelled by ${task.cancelledBy}`}>
                    {isFinalStatus(task.status) ? 'Cancelled' : 'Cancelling'}
                  </span>
                ) : null}
                {!isFinalStatus(task.status) && task.totalRows !== undefined ? (
                  <span className="row-progress">
                    {formatCount(task.processedRows)} of {formatCount(task.totalRows)} rows
                  </span>
                ) : null}
              </td>
              <td className="date-cell">
                <DateCell iso={task.createdAt} />
              </td>
              <td className="date-cell">
                <DateCell iso={task.endedAt} />
              </td>
              <td className="truncate-cell">
                <span className="truncate" title={task.createdBy}>
                  {task.createdBy}
                </span>
              </td>
              <td className="numeric">{formatCount(task.successCount)}</td>
              <td className={`numeric${task.errorCount > 0 ? ' error-count' : ''}`}>
                {formatCount(task.errorCount)}
              </td>
              <td className="actions-column">
                <MenuButton
                  label={`Actions for ${task.fileName}`}
                  buttonContent={<Icon name="more" />}
                  items={taskMenuItems(task, actions)}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
};
