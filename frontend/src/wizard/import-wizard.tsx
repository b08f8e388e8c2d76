import { lazy, Suspense, useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../../../client/api-client';
import { isFinalStatus, type Task } from '../../../lambdas/shared/model';
import { findTemplate } from '../../../lambdas/shared/templates';
import type { TemplateSummary } from '../../../lambdas/shared/templates/types';
import { useApp } from '../app-context';
import { formatBytes, formatCount, formatDuration } from '../format';
import { Dialog } from '../ui/dialog';
import { saveBlob } from '../ui/download';
import { Icon } from '../ui/icons';
import { ProgressBar } from '../ui/progress-bar';
import { StatusChip } from '../ui/status-chip';
import { checkFile } from './file-checks';
import type { PreviewState } from './file-preview';
import type { FilePreview } from './preview-step';
import { addSample, estimateProcessing, type ProgressSample } from './processing-progress';
import { createImportUploader, type ImportUploader } from './uploader';

type Step = 'template' | 'files' | 'preview' | 'upload';

/**
 * The preview reads phone numbers with libphonenumber, half a megabyte of metadata: it loads when a user
 * first opens a preview, not with the console.
 */
type PreviewKit = typeof import('./file-preview');
const loadPreviewKit = (): Promise<PreviewKit> => import('./file-preview');
const PreviewStep = lazy(async () => ({ default: (await import('./preview-step')).PreviewStep }));

interface PickedFile {
  key: string;
  file: File;
  problem: string | undefined;
}

type Phase = 'waiting' | 'uploading' | 'processing' | 'done' | 'failed';

interface Tracked {
  fileId: string;
  name: string;
  size: number;
  phase: Phase;
  bytesUploaded: number;
  task: Task | undefined;
  samples: ProgressSample[];
  error: string | undefined;
}

/** How often a processing import is read again; its counters move with every chunk. */
const POLL_MS = 1000;

const STEPS: { id: Step; label: string }[] = [
  { id: 'template', label: 'Template' },
  { id: 'files', label: 'Files' },
  { id: 'preview', label: 'Preview' },
  { id: 'upload', label: 'Upload and import' },
];

/**
 * The Bulk Import Wizard: pick a template (its columns, rules and sample CSV), pick or drop files
 * (rejected at once when they cannot be imported), then watch each file upload and process to its
 * final status.
 */
export const ImportWizard = ({
  templates,
  initialTemplateId,
  onClose,
  onImportsChanged,
}: {
  templates: TemplateSummary[];
  /** Re-import: the wizard opens on the file step with this template chosen. */
  initialTemplateId?: string;
  onClose: () => void;
  onImportsChanged: () => void;
}) => {
  const { api } = useApp();
  const [step, setStep] = useState<Step>(initialTemplateId ? 'files' : 'template');
  const [templateId, setTemplateId] = useState(initialTemplateId ?? templates[0]?.templateId ?? '');
  const [picked, setPicked] = useState<PickedFile[]>([]);
  const [tracked, setTracked] = useState<Tracked[]>([]);
  const [sampleError, setSampleError] = useState<string>();
  const [previews, setPreviews] = useState<FilePreview[]>([]);
  const [previewed, setPreviewed] = useState('');
  const [kit, setKit] = useState<PreviewKit>();
  const uploaderRef = useRef<ImportUploader | undefined>(undefined);
  // A ref, not state: a double click fires twice before React re-renders the disabled button.
  const startedRef = useRef(false);
  /** The files were sent as checks (dryRun): nothing they hold is imported. */
  const [checking, setChecking] = useState(false);
  const template = templates.find((each) => each.templateId === templateId);
  // The template as the pipeline runs it (rules, synonyms, converters): the preview checks with it.
  const definition = findTemplate(templateId);

  const update = useCallback((fileId: string, change: (item: Tracked) => Partial<Tracked>) => {
    setTracked((items) =>
      items.map((item) => (item.fileId === fileId ? { ...item, ...change(item) } : item)),
    );
  }, []);

  useEffect(() => () => uploaderRef.current?.close(), []);

  const processingIds = tracked
    .filter((item) => item.phase === 'processing' && item.task)
    .map((item) => `${item.fileId}:${item.task?.importId}`)
    .join(',');

  // Follow every uploaded import until it reaches a final status.
  useEffect(() => {
    if (!processingIds) return;
    const pairs = processingIds.split(',').map((pair) => pair.split(':') as [string, string]);
    let stopped = false;
    const poll = async () => {
      await Promise.all(
        pairs.map(async ([fileId, importId]) => {
          try {
            const task = await api.getImport(importId);
            if (stopped) return;
            update(fileId, (item) => ({
              task,
              samples: addSample(item.samples, { at: Date.now(), processedRows: task.processedRows }),
              phase: isFinalStatus(task.status) ? 'done' : 'processing',
            }));
            if (isFinalStatus(task.status)) onImportsChanged();
          } catch {
            // A missed poll is retried on the next tick; the grid shows the import in any case.
          }
        }),
      );
    };
    const timer = setInterval(() => void poll(), POLL_MS);
    void poll();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [processingIds, api, update, onImportsChanged]);

  const addFiles = (files: Iterable<File>) => {
    const next = Array.from(files, (file, index) => ({
      key: `${file.name}:${file.size}:${file.lastModified}:${Date.now()}:${index}`,
      file,
      problem: checkFile(file)?.message,
    }));
    setPicked((current) => [...current, ...next]);
  };

  const acceptable = picked.filter((each) => each.problem === undefined);

  /** Reads each file's head in the browser and asks the API for its match (DESIGN §9). */
  const openPreview = () => {
    if (!definition) return;
    const files = acceptable;
    setPreviews(files.map((each) => ({ key: each.key, name: each.file.name, status: 'reading' as const })));
    setPreviewed(files[0]?.key ?? '');
    setStep('preview');
    const settle = (key: string, preview: FilePreview) =>
      setPreviews((current) => current.map((each) => (each.key === key ? preview : each)));
    const read = async (loaded: PreviewKit, each: PickedFile) => {
      const name = each.file.name;
      try {
        const head = await loaded.readHead(each.file);
        if (!head.ok) return settle(each.key, { key: each.key, name, status: 'failed', error: head.reason });
        const match = await api.matchColumns(definition.templateId, head.head.header, head.head.rows);
        const state = loaded.initialPreview(definition, head.head, match, navigator.language);
        settle(each.key, { key: each.key, name, status: 'ready', state });
      } catch (error) {
        const message = error instanceof ApiError ? error.message : 'The file could not be read.';
        settle(each.key, { key: each.key, name, status: 'failed', error: message });
      }
    };
    void (async () => {
      let loaded = kit;
      try {
        loaded ??= await loadPreviewKit();
      } catch {
        for (const each of files)
          settle(each.key, {
            key: each.key,
            name: each.file.name,
            status: 'failed',
            error: 'The preview could not be loaded. Check your connection and open it again.',
          });
        return;
      }
      setKit(loaded);
      await Promise.all(files.map((each) => read(loaded, each)));
    })();
  };

  const changePreview = (key: string, change: (state: PreviewState) => PreviewState) =>
    setPreviews((current) =>
      current.map((each) =>
        each.key === key && each.status === 'ready' ? { ...each, state: change(each.state) } : each,
      ),
    );

  const previewBlocked =
    !definition ||
    previews.some(
      (each) =>
        each.status === 'reading' ||
        (each.status === 'ready' &&
          (!kit || kit.previewProblems(definition, each.state).blocking.length > 0)),
    );

  /** Uploads every file, to import it or (`dryRun`) to check it: every check runs, nothing is imported. */
  const startUpload = (dryRun: boolean) => {
    if (startedRef.current || acceptable.length === 0 || !template) return;
    startedRef.current = true;
    setChecking(dryRun);
    const uploader = createImportUploader(api, {
      created: (fileId, task) => {
        update(fileId, () => ({ task, phase: 'uploading' }));
        onImportsChanged();
      },
      progress: (fileId, bytesUploaded) => update(fileId, () => ({ bytesUploaded })),
      uploaded: (fileId, task) => {
        update(fileId, (item) => ({
          task,
          bytesUploaded: item.size,
          phase: isFinalStatus(task.status) ? 'done' : 'processing',
        }));
        onImportsChanged();
      },
      failed: (fileId, message) => update(fileId, () => ({ phase: 'failed', error: message })),
    });
    uploaderRef.current = uploader;
    const items: Tracked[] = [];
    for (const each of acceptable) {
      try {
        const preview = previews.find((candidate) => candidate.key === each.key);
        const reading =
          preview?.status === 'ready' && definition && kit ? kit.readingOf(definition, preview.state) : {};
        const fileId = uploader.add(each.file, template.templateId, {
          ...reading,
          ...(dryRun ? { dryRun } : {}),
        });
        items.push({
          fileId,
          name: each.file.name,
          size: each.file.size,
          phase: 'waiting',
          bytesUploaded: 0,
          task: undefined,
          samples: [],
          error: undefined,
        });
      } catch (error) {
        // Uppy refuses the same file twice in one batch.
        items.push({
          fileId: each.key,
          name: each.file.name,
          size: each.file.size,
          phase: 'failed',
          bytesUploaded: 0,
          task: undefined,
          samples: [],
          error: error instanceof Error ? error.message : 'This file could not be queued.',
        });
      }
    }
    setTracked(items);
    setStep('upload');
    uploader.start();
  };

  const downloadSample = async () => {
    if (!template) return;
    setSampleError(undefined);
    try {
      saveBlob(await api.sampleCsv(template.templateId), `${template.templateId}-sample.csv`);
    } catch (error) {
      setSampleError(error instanceof ApiError ? error.message : 'The sample could not be downloaded.');
    }
  };

  const uploading = tracked.some((item) => item.phase === 'waiting' || item.phase === 'uploading');
  const finished =
    tracked.length > 0 && tracked.every((item) => item.phase === 'done' || item.phase === 'failed');

  const footer =
    step === 'template' ? (
      <>
        <button type="button" className="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={!template}
          onClick={() => setStep('files')}
        >
          Next: choose files
        </button>
      </>
    ) : step === 'files' ? (
      <>
        <button type="button" className="button" onClick={() => setStep('template')}>
          Back
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={acceptable.length === 0 || !definition}
          onClick={openPreview}
        >
          Next: preview columns
        </button>
      </>
    ) : step === 'preview' ? (
      <>
        <button type="button" className="button" onClick={() => setStep('files')}>
          Back
        </button>
        <button
          type="button"
          className="button"
          disabled={acceptable.length === 0 || previewBlocked}
          title="Runs every check an import runs, existing records included, and imports nothing: import from the result"
          onClick={() => startUpload(true)}
        >
          {acceptable.length === 1 ? 'Check first' : `Check ${acceptable.length} files first`}
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={acceptable.length === 0 || previewBlocked}
          onClick={() => startUpload(false)}
        >
          <Icon name="upload" />
          {acceptable.length === 1 ? 'Upload 1 file' : `Upload ${acceptable.length} files`}
        </button>
      </>
    ) : (
      <>
        <span className="footer-note" role="status">
          {uploading
            ? 'Keep this window open until every file is uploaded.'
            : finished
              ? checking
                ? 'Every check has finished: nothing was imported. Open an import on the Imports page to import it.'
                : 'All files have reached their final status.'
              : checking
                ? 'Uploaded. Checking goes on if you close this window; nothing is imported.'
                : 'Uploaded. Processing goes on if you close this window.'}
        </span>
        <button type="button" className="button button-primary" disabled={uploading} onClick={onClose}>
          {finished ? 'Done' : 'Close'}
        </button>
      </>
    );

  return (
    <Dialog
      title="Bulk Import Wizard"
      subtitle={template ? `Template: ${template.name}` : undefined}
      size="large"
      onClose={onClose}
      canClose={!uploading}
      footer={footer}
    >
      <ol className="steps" aria-label="Wizard steps">
        {STEPS.map((each, index) => (
          <li
            key={each.id}
            className={`step${each.id === step ? ' step-current' : ''}${STEPS.findIndex((s) => s.id === step) > index ? ' step-done' : ''}`}
            aria-current={each.id === step ? 'step' : undefined}
          >
            <span className="step-number">{index + 1}</span>
            {each.label}
          </li>
        ))}
      </ol>
      {step === 'template' ? (
        <TemplateStep
          templates={templates}
          templateId={templateId}
          onChange={setTemplateId}
          onDownloadSample={() => void downloadSample()}
          sampleError={sampleError}
        />
      ) : step === 'files' ? (
        <FilesStep
          template={template}
          picked={picked}
          onAdd={addFiles}
          onRemove={(key) => setPicked((current) => current.filter((each) => each.key !== key))}
          onDownloadSample={() => void downloadSample()}
        />
      ) : step === 'preview' && definition ? (
        <Suspense fallback={<p className="muted">Opening the preview…</p>}>
          <PreviewStep
            template={definition}
            previews={previews}
            selected={previewed}
            onSelect={setPreviewed}
            onChange={changePreview}
          />
        </Suspense>
      ) : (
        <UploadStep tracked={tracked} checking={checking} />
      )}
    </Dialog>
  );
};

const TemplateStep = ({
  templates,
  templateId,
  onChange,
  onDownloadSample,
  sampleError,
}: {
  templates: TemplateSummary[];
  templateId: string;
  onChange: (templateId: string) => void;
  onDownloadSample: () => void;
  sampleError: string | undefined;
}) => {
  const template = templates.find((each) => each.templateId === templateId);
  return (
    <div className="template-step">
      <fieldset className="template-choices">
        <legend>What are you importing?</legend>
        {templates.map((each) => (
          <label
            key={each.templateId}
            className={`choice${each.templateId === templateId ? ' selected' : ''}`}
          >
            <input
              type="radio"
              name="template"
              value={each.templateId}
              checked={each.templateId === templateId}
              onChange={() => onChange(each.templateId)}
            />
            <span>
              <span className="choice-title">{each.name}</span>
              <span className="choice-note">{each.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {template ? (
        <section className="template-detail" aria-label={`${template.name} columns and rules`}>
          <div className="template-detail-head">
            <div>
              <h3>{template.name} columns</h3>
              <p className="muted">
                {template.mode === 'insert'
                  ? `Insert only: a row whose ${template.key} already exists is reported as an error, never overwritten.`
                  : `Insert or update: a row whose ${template.key} already exists updates that record.`}{' '}
                Rows are matched on <code>{template.key}</code>. Column names ignore case and spaces; extra
                columns are ignored with a warning.
              </p>
            </div>
            <button type="button" className="button" onClick={onDownloadSample}>
              <Icon name="download" />
              Download sample CSV
            </button>
          </div>
          {sampleError ? (
            <p className="field-error" role="alert">
              {sampleError}
            </p>
          ) : null}
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Required</th>
                <th scope="col">Rule</th>
                <th scope="col">Example</th>
              </tr>
            </thead>
            <tbody>
              {template.columns.map((column) => (
                <tr key={column.name}>
                  <td>
                    <code>{column.name}</code>
                    {column.name === template.key ? <span className="tag">key</span> : null}
                  </td>
                  <td>{column.required ? 'Required' : 'Optional'}</td>
                  <td>{column.description}</td>
                  <td>
                    <code className="example">{column.example || '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
};

const FilesStep = ({
  template,
  picked,
  onAdd,
  onRemove,
  onDownloadSample,
}: {
  template: TemplateSummary | undefined;
  picked: PickedFile[];
  onAdd: (files: Iterable<File>) => void;
  onRemove: (key: string) => void;
  onDownloadSample: () => void;
}) => {
  const inputRef = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();
  return (
    <div className="files-step">
      <section
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        aria-label="Drop CSV files here"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          onAdd(event.dataTransfer.files);
        }}
      >
        <span className="drop-icon" aria-hidden="true">
          <Icon name="upload" size={28} />
        </span>
        <p className="drop-title">Drop CSV files here</p>
        <p className="muted" id={hintId}>
          One import per file, each up to 200 MB, with the {template?.name ?? 'chosen'} template.
        </p>
        <div className="drop-actions">
          <button type="button" className="button button-primary" onClick={() => inputRef.current?.click()}>
            Choose files
          </button>
          <button type="button" className="button button-ghost" onClick={onDownloadSample}>
            <Icon name="download" />
            Sample CSV
          </button>
        </div>
        <input
          ref={inputRef}
          className="visually-hidden"
          type="file"
          multiple
          accept=".csv,text/csv"
          aria-label="CSV files to import"
          aria-describedby={hintId}
          tabIndex={-1}
          onChange={(event) => {
            if (event.target.files) onAdd(event.target.files);
            event.target.value = '';
          }}
        />
      </section>
      {picked.length > 0 ? (
        <ul className="file-list" aria-label="Chosen files">
          {picked.map((each) => (
            <li key={each.key} className={`file-row${each.problem ? ' file-row-rejected' : ''}`}>
              <Icon name={each.problem ? 'alert' : 'file'} />
              <div className="file-row-text">
                <span className="file-name">{each.file.name}</span>
                <span className="muted">{formatBytes(each.file.size)}</span>
                {each.problem ? (
                  <span className="field-error" role="alert">
                    {each.problem}
                  </span>
                ) : null}
              </div>
              <button
                type="button"
                className="icon-button"
                aria-label={`Remove ${each.file.name}`}
                title="Remove"
                onClick={() => onRemove(each.key)}
              >
                <Icon name="close" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
};

const UploadStep = ({ tracked, checking }: { tracked: Tracked[]; checking: boolean }) => (
  <ul className="upload-list" aria-label="Imports in progress">
    {tracked.map((item) => (
      <li key={item.fileId} className="upload-item" aria-label={item.name}>
        <div className="upload-item-head">
          <Icon name="file" />
          <span className="file-name">{item.name}</span>
          <span className="muted">{formatBytes(item.size)}</span>
          <span className="upload-item-status">
            {item.task && item.phase !== 'waiting' && item.phase !== 'uploading' ? (
              <StatusChip status={item.task.status} />
            ) : item.phase === 'failed' ? (
              <span className="chip chip-danger">Upload failed</span>
            ) : (
              <span className="chip chip-active">{item.phase === 'waiting' ? 'Waiting' : 'Uploading'}</span>
            )}
          </span>
        </div>
        <UploadProgress item={item} />
        <ProcessingProgress item={item} checking={checking} />
        {item.error ? (
          <p className="field-error" role="alert">
            {item.error}
          </p>
        ) : null}
      </li>
    ))}
  </ul>
);

const UploadProgress = ({ item }: { item: Tracked }) => {
  const done = item.phase === 'processing' || item.phase === 'done';
  const fraction = item.size === 0 ? 1 : item.bytesUploaded / item.size;
  return (
    <div className="progress-row">
      <span className="progress-label">Upload</span>
      <ProgressBar
        label={`Upload of ${item.name}`}
        value={done ? 1 : fraction}
        tone={item.phase === 'failed' ? 'danger' : done ? 'success' : 'active'}
      />
      <span className="progress-figures">
        {done
          ? 'Uploaded'
          : `${Math.floor(fraction * 100)}% · ${formatBytes(item.bytesUploaded)} of ${formatBytes(item.size)}`}
      </span>
    </div>
  );
};

const ProcessingProgress = ({ item, checking }: { item: Tracked; checking: boolean }) => {
  const { task } = item;
  if (!task || item.phase === 'waiting' || item.phase === 'uploading') return null;
  const estimate = estimateProcessing(item.samples, task.totalRows);
  const final = isFinalStatus(task.status);
  const tone = !final
    ? 'active'
    : task.status === 'COMPLETED'
      ? 'success'
      : task.status === 'PARTIAL_SUCCESS' || task.status === 'NOTHING_TO_IMPORT'
        ? 'warning'
        : 'danger';
  const figures = final
    ? checking
      ? `${formatCount(task.successCount)} would import · ${formatCount(task.errorCount)} would fail`
      : `${formatCount(task.successCount)} imported · ${formatCount(task.errorCount)} failed`
    : task.totalRows === undefined
      ? 'Checking the file…'
      : [
          `${formatCount(task.processedRows)} of ${formatCount(task.totalRows)} rows`,
          estimate.rowsPerSecond !== undefined
            ? `${formatCount(Math.round(estimate.rowsPerSecond))} rows/s`
            : undefined,
          estimate.etaSeconds !== undefined ? `about ${formatDuration(estimate.etaSeconds)} left` : undefined,
        ]
          .filter(Boolean)
          .join(' · ');
  return (
    <>
      <div className="progress-row">
        <span className="progress-label">{checking ? 'Checking' : 'Processing'}</span>
        <ProgressBar label={`Processing of ${item.name}`} value={final ? 1 : estimate.fraction} tone={tone} />
        <span className="progress-figures" data-testid="processing-figures">
          {figures}
        </span>
      </div>
      {final && task.statusReason ? <p className="status-reason">{task.statusReason}</p> : null}
    </>
  );
};
