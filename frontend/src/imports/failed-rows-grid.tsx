import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, type FixRow } from '../../../client/api-client';
import type { FailedRow } from '../../../client/schemas';
import type { Task } from '../../../lambdas/shared/model';
import { normalizeHeaderName } from '../../../lambdas/shared/templates';
import { useApp } from '../app-context';
import { formatCount } from '../format';
import { Icon } from '../ui/icons';
import { Pager, useCursorPages } from '../ui/pager';

/** Failed rows per page of the grid; the server pages them, so a file with 100,000 of them stays quick. */
const ROWS_PAGE = 25;
/** DESIGN §10: one fix carries at most this many rows. */
const MAX_FIX_ROWS = 10_000;

type RowError = FailedRow['errors'][number];

/** The file's header that a template column reads from: the mapping's source, else the header named like it. */
const headerOfColumn = (task: Task, headers: readonly string[], column: string): string | undefined => {
  const spec = task.mapping?.[column];
  if (spec && 'source' in spec) {
    const source = spec.source.trim();
    const found = headers.find((header) => header.trim() === source);
    if (found !== undefined) return found;
  }
  return headers.find((header) => normalizeHeaderName(header) === column);
};

/** A row's errors by the header they are about; those about no header (the row as a whole) under ''. */
const errorsByHeader = (task: Task, headers: readonly string[], row: FailedRow): Map<string, RowError[]> => {
  const byHeader = new Map<string, RowError[]>();
  for (const error of row.errors) {
    const header = error.column ? (headerOfColumn(task, headers, error.column) ?? '') : '';
    byHeader.set(header, [...(byHeader.get(header) ?? []), error]);
  }
  return byHeader;
};

/** What the admin has changed: row → header → new value, kept across pages until sent or discarded. */
type Edits = Map<number, Record<string, string>>;

/**
 * The failed rows of an ended import as an editable grid (DESIGN §10), paged from the server: each cell
 * with its error beside it, edits kept across pages, and "Check fixes" / "Import fixes", which send the
 * rows changed or ticked as a fix import and open it.
 */
export const FailedRowsGrid = ({ task }: { task: Task }) => {
  const { api } = useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const pages = useCursorPages();
  const [edits, setEdits] = useState<Edits>(() => new Map());
  const rows = useQuery({
    queryKey: ['failed-rows', task.importId, pages.cursor, task.fixImportIds?.length ?? 0],
    queryFn: () => api.listFailedRows(task.importId, ROWS_PAGE, pages.cursor),
    placeholderData: keepPreviousData,
  });
  const send = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => {
      const fixes: FixRow[] = [...edits].map(([rowNumber, values]) => ({ rowNumber, values }));
      return api.createFixes(task.importId, fixes, dryRun);
    },
    onSuccess: (started) => {
      setEdits(new Map());
      void queryClient.invalidateQueries({ queryKey: ['imports'] });
      void queryClient.invalidateQueries({ queryKey: ['import', task.importId] });
      navigate(`/imports/${started.importId}`);
    },
  });

  const items = rows.data?.items ?? [];
  const headers = Object.keys(items[0]?.values ?? {});
  const edit = (
    rowNumber: number,
    change: (values: Record<string, string> | undefined) => Record<string, string> | undefined,
  ) =>
    setEdits((current) => {
      const next = new Map(current);
      const values = change(current.get(rowNumber));
      if (values) next.set(rowNumber, values);
      else next.delete(rowNumber);
      return next;
    });
  const tooMany = edits.size > MAX_FIX_ROWS;
  const blocked =
    edits.size === 0
      ? 'Edit a cell or tick a row first.'
      : tooMany
        ? `A fix carries at most ${formatCount(MAX_FIX_ROWS)} rows.`
        : undefined;

  return (
    <section className="details-section" aria-labelledby="fix-title">
      <div className="section-head">
        <h3 id="fix-title">Fix failed rows</h3>
        <span className="muted">
          {task.outstandingRows === undefined
            ? ''
            : `${formatCount(task.outstandingRows)} of ${formatCount(task.errorCount)} still to fix`}{' '}
          · edit the values, then check or import just those rows
        </span>
      </div>
      {rows.isError ? (
        <p className="notice notice-danger" role="alert">
          {rows.error instanceof ApiError ? rows.error.message : 'The failed rows could not be loaded.'}
        </p>
      ) : (
        <div className="fix-grid-frame">
          <table className="table table-compact fix-grid" aria-label="Failed rows">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Include</span>
                </th>
                <th scope="col" className="numeric">
                  Row
                </th>
                {headers.map((header) => (
                  <th scope="col" key={header}>
                    {header}
                  </th>
                ))}
                <th scope="col">Row problems</th>
              </tr>
            </thead>
            <tbody>
              {items.map((row) => (
                <GridRow
                  key={row.rowNumber}
                  task={task}
                  headers={headers}
                  row={row}
                  edited={edits.get(row.rowNumber)}
                  onEdit={(change) => edit(row.rowNumber, change)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        pages={pages}
        nextCursor={rows.data?.nextCursor}
        labels={{ back: 'Previous', forward: 'Next' }}
        label="Pages of failed rows"
      />
      <div className="fix-actions" role="toolbar" aria-label="Fixes">
        <span className="muted" aria-live="polite" data-testid="fix-count">
          {edits.size === 0
            ? 'No row changed yet'
            : `${formatCount(edits.size)} ${edits.size === 1 ? 'row' : 'rows'} to send`}
        </span>
        <button
          type="button"
          className="button button-small"
          aria-disabled={blocked || send.isPending ? true : undefined}
          title={blocked}
          onClick={() => {
            if (!blocked && !send.isPending) send.mutate({ dryRun: true });
          }}
        >
          <Icon name="check" />
          Check fixes
        </button>
        <button
          type="button"
          className="button button-primary button-small"
          aria-disabled={blocked || send.isPending ? true : undefined}
          title={blocked}
          onClick={() => {
            if (!blocked && !send.isPending) send.mutate({ dryRun: false });
          }}
        >
          <Icon name="upload" />
          {send.isPending ? 'Starting…' : 'Import fixes'}
        </button>
        <button
          type="button"
          className="button button-ghost button-small"
          disabled={edits.size === 0}
          onClick={() => setEdits(new Map())}
        >
          Discard changes
        </button>
        {tooMany ? (
          <span className="field-error" role="alert">
            {blocked}
          </span>
        ) : null}
        {send.isError ? (
          <span className="field-error" role="alert">
            {send.error instanceof ApiError ? send.error.message : 'The fixes could not be sent.'}
          </span>
        ) : null}
      </div>
    </section>
  );
};

const GridRow = ({
  task,
  headers,
  row,
  edited,
  onEdit,
}: {
  task: Task;
  headers: readonly string[];
  row: FailedRow;
  edited: Record<string, string> | undefined;
  onEdit: (
    change: (values: Record<string, string> | undefined) => Record<string, string> | undefined,
  ) => void;
}) => {
  const errors = errorsByHeader(task, headers, row);
  const rowProblems = errors.get('') ?? [];
  const done = row.importedBy;
  return (
    <tr className={done ? 'fix-row-done' : edited ? 'fix-row-edited' : undefined} data-row={row.rowNumber}>
      <td>
        <input
          type="checkbox"
          aria-label={`Include row ${row.rowNumber}`}
          checked={edited !== undefined}
          disabled={Boolean(done)}
          onChange={(event) => {
            const include = event.currentTarget.checked;
            onEdit((values) => (include ? (values ?? {}) : undefined));
          }}
        />
      </td>
      <td className="numeric">{row.rowNumber}</td>
      {headers.map((header) => {
        const cellErrors = errors.get(header) ?? [];
        const value = edited?.[header] ?? row.values[header] ?? '';
        const errorId = `fix-${row.rowNumber}-${headers.indexOf(header)}-error`;
        return (
          <td key={header} className={cellErrors.length > 0 ? 'fix-cell fix-cell-error' : 'fix-cell'}>
            <input
              className="fix-input"
              aria-label={`Row ${row.rowNumber} ${header}`}
              aria-invalid={cellErrors.length > 0 && edited?.[header] === undefined ? true : undefined}
              aria-describedby={cellErrors.length > 0 ? errorId : undefined}
              value={value}
              readOnly={Boolean(done)}
              onChange={(event) => {
                const next = event.currentTarget.value;
                onEdit((values) => {
                  const changed = { ...(values ?? {}) };
                  if (next === row.values[header]) delete changed[header];
                  else changed[header] = next;
                  return changed;
                });
              }}
            />
            {cellErrors.length > 0 ? (
              <span className="fix-cell-message" id={errorId}>
                {cellErrors.map((error) => error.message).join('; ')}
              </span>
            ) : null}
          </td>
        );
      })}
      <td className="fix-problems">
        {done ? (
          <span className="tag tag-muted">Imported by fix {done.slice(0, 8)}</span>
        ) : rowProblems.length > 0 ? (
          rowProblems.map((error) => (
            <span key={`${error.errorType}:${error.message}`} className="fix-cell-message">
              {error.message}
            </span>
          ))
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
};
