import { useId } from 'react';
import { DATE_ORDER_WORDS, DATE_ORDERS, type DateOrder } from '../../../lambdas/shared/mapping/dates';
import type { TemplateDefinition } from '../../../lambdas/shared/templates';
import {
  DELIMITER_LABELS,
  ENCODING_LABELS,
  ignoredHeaders,
  orderOf,
  type PreviewState,
  previewColumns,
  previewProblems,
} from './file-preview';

/** One chosen file in the preview: read and matched, being read, or not readable (with why). */
export type FilePreview =
  | { key: string; name: string; status: 'reading' }
  | { key: string; name: string; status: 'failed'; error: string }
  | { key: string; name: string; status: 'ready'; state: PreviewState };

/** The "value for every row" choice of a column's header select. */
const CONSTANT = '\u0000value';
const NONE = '';

/**
 * The wizard's preview step (DESIGN §9): per file, what was detected, each template column with the
 * header it reads and three sample values as they will be stored, the date order with an override, the
 * country for national phone numbers, the headers left out, and one value for a column the file lacks.
 */
export const PreviewStep = ({
  template,
  previews,
  selected,
  onSelect,
  onChange,
}: {
  template: TemplateDefinition;
  previews: FilePreview[];
  selected: string;
  onSelect: (key: string) => void;
  onChange: (key: string, change: (state: PreviewState) => PreviewState) => void;
}) => {
  const current = previews.find((each) => each.key === selected) ?? previews[0];
  return (
    <div className="preview-step">
      {previews.length > 1 ? (
        <div className="preview-files" role="tablist" aria-label="Files to preview">
          {previews.map((each) => (
            <button
              key={each.key}
              type="button"
              role="tab"
              aria-selected={each.key === current?.key}
              className={`button button-small${each.key === current?.key ? ' button-primary' : ''}`}
              onClick={() => onSelect(each.key)}
            >
              {each.name}
              {each.status === 'ready' && previewProblems(template, each.state).blocking.length > 0
                ? ' ⚠'
                : ''}
            </button>
          ))}
        </div>
      ) : null}
      {current ? <FilePreviewPanel template={template} preview={current} onChange={onChange} /> : null}
    </div>
  );
};

const FilePreviewPanel = ({
  template,
  preview,
  onChange,
}: {
  template: TemplateDefinition;
  preview: FilePreview;
  onChange: (key: string, change: (state: PreviewState) => PreviewState) => void;
}) => {
  const base = useId();
  if (preview.status === 'reading') {
    return (
      <section className="preview-panel" aria-label={`Preview of ${preview.name}`} aria-busy="true">
        <p className="muted">Reading the first rows of {preview.name}…</p>
      </section>
    );
  }
  if (preview.status === 'failed') {
    return (
      <section className="preview-panel" aria-label={`Preview of ${preview.name}`}>
        <p className="notice notice-danger" role="alert">
          {preview.error}
        </p>
      </section>
    );
  }
  const { state } = preview;
  const change = (update: (state: PreviewState) => PreviewState) => onChange(preview.key, update);
  const columns = previewColumns(template, state);
  const problems = previewProblems(template, state);
  const ignored = ignoredHeaders(state);
  const dateColumns = template.columns.filter(
    (column) => template.matching[column.name]?.kind === 'date' && state.sources[column.name],
  );
  const hasPhones = template.columns.some(
    (column) => template.matching[column.name]?.kind === 'phone' && state.sources[column.name],
  );
  const saved = state.match.savedMapping;
  return (
    <section className="preview-panel" aria-label={`Preview of ${preview.name}`}>
      <p className="preview-detected" data-testid="preview-detected">
        <strong>{preview.name}</strong>: {ENCODING_LABELS[state.head.encoding] ?? state.head.encoding},{' '}
        {DELIMITER_LABELS[state.head.delimiter] ?? state.head.delimiter}-separated, {state.head.header.length}{' '}
        columns. Samples from the first {state.head.rows.length} rows.
        {saved ? ` Columns as saved for this header by ${saved.updatedBy}.` : ''}
      </p>
      <table className="table table-compact preview-table" aria-label={`Columns of ${preview.name}`}>
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Reads from</th>
            <th scope="col">Sample values, as imported</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((column) => {
            const selectId = `${base}-${column.name}`;
            const value = column.source ?? (column.constant !== undefined ? CONSTANT : NONE);
            return (
              <tr key={column.name}>
                <td>
                  <code>{column.name}</code>
                  {column.required ? <span className="tag">required</span> : null}
                </td>
                <td>
                  <label className="visually-hidden" htmlFor={selectId}>
                    Header for {column.name}
                  </label>
                  <select
                    id={selectId}
                    value={value}
                    onChange={(event) => {
                      const chosen = event.target.value;
                      change((before) => ({
                        ...before,
                        sources: {
                          ...before.sources,
                          [column.name]: chosen === NONE || chosen === CONSTANT ? null : chosen,
                        },
                        constants:
                          chosen === CONSTANT
                            ? { ...before.constants, [column.name]: before.constants[column.name] ?? '' }
                            : Object.fromEntries(
                                Object.entries(before.constants).filter(([name]) => name !== column.name),
                              ),
                      }));
                    }}
                  >
                    <option value={NONE}>
                      {column.required ? '— choose a header —' : '— not imported —'}
                    </option>
                    {state.head.header
                      .filter((cell) => cell.trim() !== '')
                      .map((cell) => (
                        <option key={cell} value={cell}>
                          {cell}
                        </option>
                      ))}
                    {template.key === column.name ? null : (
                      <option value={CONSTANT}>One value for every row…</option>
                    )}
                  </select>
                  {column.constant !== undefined ? (
                    <input
                      className="preview-constant"
                      aria-label={`Value of ${column.name} for every row`}
                      value={column.constant}
                      onChange={(event) => {
                        const text = event.target.value;
                        change((before) => ({
                          ...before,
                          constants: { ...before.constants, [column.name]: text },
                        }));
                      }}
                    />
                  ) : null}
                  <span className="field-hint">
                    {column.found === 'saved'
                      ? 'saved for this header'
                      : column.found === 'matched'
                        ? `matched, ${Math.round(column.confidence * 100)}% sure`
                        : column.found === 'chosen'
                          ? 'chosen by you'
                          : column.constant !== undefined
                            ? 'the same value in every row'
                            : column.required
                              ? 'not found in the file'
                              : 'not in the file'}
                  </span>
                </td>
                <td>
                  {column.samples.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="preview-samples" aria-label={`Samples of ${column.name}`}>
                      {column.samples.map((sample, index) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: samples are positional, and equal values repeat.
                        <li key={index} className={sample.problem ? 'preview-sample-bad' : undefined}>
                          <code>{sample.value}</code>
                          {sample.problem ? <span className="field-error">{sample.problem}</span> : null}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="preview-options">
        {dateColumns.map((column) => {
          const guess = state.match.formats[column.name];
          const chosen = state.formats[column.name] ?? '';
          const id = `${base}-order-${column.name}`;
          const detected = guess?.format ? DATE_ORDER_WORDS[guess.format].words : undefined;
          return (
            <div className="field field-narrow" key={column.name}>
              <label className="field-label" htmlFor={id}>
                Date order of {column.name}
              </label>
              <select
                id={id}
                value={chosen}
                onChange={(event) => {
                  const order = event.target.value as DateOrder | '';
                  change((before) => {
                    const formats = { ...before.formats };
                    if (order === '') delete formats[column.name];
                    else formats[column.name] = order;
                    return { ...before, formats };
                  });
                }}
              >
                <option value="">
                  {detected
                    ? `As detected: ${detected}`
                    : guess && guess.candidates.length > 1
                      ? 'Read from the whole file'
                      : 'As written (YYYY-MM-DD)'}
                </option>
                {DATE_ORDERS.map((order) => (
                  <option key={order} value={order}>
                    {`${DATE_ORDER_WORDS[order].words[0]?.toUpperCase()}${DATE_ORDER_WORDS[order].words.slice(1)} (${DATE_ORDER_WORDS[order].example})`}
                  </option>
                ))}
              </select>
              <span className="field-hint">
                Read as{' '}
                {orderOf(state, column.name)
                  ? DATE_ORDER_WORDS[orderOf(state, column.name) ?? 'YMD'].words
                  : 'ISO dates'}
                ; YYYY-MM-DD is always accepted.
              </span>
            </div>
          );
        })}
        {hasPhones ? (
          <div className="field field-narrow">
            <label className="field-label" htmlFor={`${base}-country`}>
              Country of phone numbers without +
            </label>
            <input
              id={`${base}-country`}
              value={state.defaultCountry}
              maxLength={2}
              placeholder="e.g. US"
              onChange={(event) => {
                const country = event.target.value.toUpperCase();
                change((before) => ({ ...before, defaultCountry: country }));
              }}
            />
            <span className="field-hint">
              Two letters (US, GB, DE). Empty: every number needs its + country code.
            </span>
          </div>
        ) : null}
      </div>
      {ignored.length > 0 ? (
        <p className="preview-ignored" data-testid="preview-ignored">
          Not imported: {ignored.join(', ')}
        </p>
      ) : null}
      {problems.warnings.map((warning) => (
        <p key={warning} className="notice notice-warning">
          {warning}
        </p>
      ))}
      {problems.blocking.length > 0 ? (
        <ul className="notice notice-danger preview-problems" aria-label={`What to fix in ${preview.name}`}>
          {problems.blocking.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
};
