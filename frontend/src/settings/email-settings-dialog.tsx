import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { ApiError } from '../../../client/api-client';
import type { EmailSettings } from '../../../client/schemas';
import type { TemplateSummary } from '../../../lambdas/shared/templates/types';
import { useApp } from '../app-context';
import { Dialog } from '../ui/dialog';
import { Icon } from '../ui/icons';
import {
  EMAIL_ATTACHMENT_LIMIT_MB,
  type EmailSettingsDraft,
  type FieldErrors,
  fieldErrorsFromApiMessage,
  newRowKey,
  SES_MESSAGE_LIMIT_MB,
  toDraft,
  toSettings,
  validateDraft,
} from './email-settings-form';

const FORM_ID = 'email-settings-form';

/** Email Import Settings (the gear on the Imports page): addresses → templates, senders, reply. */
export const EmailSettingsDialog = ({
  templates,
  onClose,
}: {
  templates: TemplateSummary[];
  onClose: () => void;
}) => {
  const { api } = useApp();
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['email-settings'],
    queryFn: () => api.getEmailSettings(),
    retry: false,
  });
  const [draft, setDraft] = useState<EmailSettingsDraft>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (settings.data && !draft) setDraft(toDraft(settings.data));
  }, [settings.data, draft]);

  const save = useMutation({
    mutationFn: (next: EmailSettings) => api.putEmailSettings(next),
    onSuccess: (stored) => {
      queryClient.setQueryData(['email-settings'], stored);
      setDraft(toDraft(stored));
      setErrors({});
      setSaved(true);
    },
    onError: (error) => {
      setErrors(
        error instanceof ApiError && error.status === 400
          ? fieldErrorsFromApiMessage(error.message)
          : { form: error instanceof ApiError ? error.message : 'The settings could not be saved.' },
      );
    },
  });

  const change = (next: EmailSettingsDraft) => {
    setDraft(next);
    setSaved(false);
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft || save.isPending) return;
    const problems = validateDraft(
      draft,
      templates.map((template) => template.templateId),
    );
    setErrors(problems);
    if (Object.keys(problems).length === 0) save.mutate(toSettings(draft));
  };

  const unavailable = settings.error instanceof ApiError && settings.error.status === 404;

  return (
    <Dialog
      title="Email Import Settings"
      subtitle="Import CSV attachments that people email to an import address."
      onClose={onClose}
      footer={
        <>
          {saved ? (
            <span className="footer-note footer-note-success" role="status">
              <Icon name="check" />
              Settings saved
            </span>
          ) : null}
          <button type="button" className="button" onClick={onClose}>
            {saved ? 'Close' : 'Cancel'}
          </button>
          <button
            type="submit"
            form={FORM_ID}
            className="button button-primary"
            disabled={!draft || save.isPending || saved}
          >
            {save.isPending ? 'Saving…' : 'Save settings'}
          </button>
        </>
      }
    >
      {settings.isPending ? (
        <p className="muted">Loading settings…</p>
      ) : unavailable ? (
        <p className="notice notice-warning" role="alert">
          Email import is not available on this server yet: its settings API does not answer.
        </p>
      ) : settings.isError ? (
        <p className="notice notice-danger" role="alert">
          {settings.error instanceof ApiError ? settings.error.message : 'The settings could not be loaded.'}
        </p>
      ) : draft ? (
        <SettingsForm
          draft={draft}
          errors={errors}
          templates={templates}
          onChange={change}
          onSubmit={submit}
        />
      ) : null}
    </Dialog>
  );
};

const FieldError = ({ id, message }: { id: string; message: string | undefined }) =>
  message ? (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  ) : null;

const SettingsForm = ({
  draft,
  errors,
  templates,
  onChange,
  onSubmit,
}: {
  draft: EmailSettingsDraft;
  errors: FieldErrors;
  templates: TemplateSummary[];
  onChange: (draft: EmailSettingsDraft) => void;
  onSubmit: (event: FormEvent) => void;
}) => {
  const base = useId();
  const errorId = (path: string) => `${base}-${path.replace(/\./g, '-')}-error`;
  const described = (path: string) =>
    errors[path] ? { 'aria-describedby': errorId(path), 'aria-invalid': true } : {};

  return (
    <form id={FORM_ID} className="settings-form" onSubmit={onSubmit} noValidate>
      {errors.form ? (
        <p className="notice notice-danger" role="alert">
          {errors.form}
        </p>
      ) : null}

      <label className="switch-row">
        <input
          type="checkbox"
          role="switch"
          aria-checked={draft.enabled}
          checked={draft.enabled}
          onChange={(event) => onChange({ ...draft, enabled: event.target.checked })}
          {...described('enabled')}
        />
        <span>
          <span className="switch-title">Import CSV attachments from email</span>
          <span className="muted">Each CSV attachment of an allowed email becomes one import.</span>
        </span>
      </label>
      <FieldError id={errorId('enabled')} message={errors.enabled} />

      <aside className="notice notice-info" aria-label="Attachment size limit">
        <strong>Attachment size limit: about {EMAIL_ATTACHMENT_LIMIT_MB} MB.</strong> Amazon SES accepts
        messages of up to {SES_MESSAGE_LIMIT_MB} MB, and email carries attachments base64-encoded, a third
        larger than the file. Larger files (up to 200 MB) go through the Bulk Import Wizard.
      </aside>

      <fieldset className="settings-group">
        <legend>Import addresses</legend>
        <p className="muted">Mail sent to an address is imported with the template chosen for it.</p>
        {draft.addresses.map((row, index) => (
          <div key={row.key} className="settings-row">
            <div className="field">
              <label className="field-label" htmlFor={`${base}-address-${row.key}`}>
                Address {index + 1}
              </label>
              <input
                id={`${base}-address-${row.key}`}
                type="email"
                value={row.address}
                placeholder="users@imports.example.com"
                onChange={(event) =>
                  onChange({
                    ...draft,
                    addresses: draft.addresses.map((each) =>
                      each.key === row.key ? { ...each, address: event.target.value } : each,
                    ),
                  })
                }
                {...described(`addresses.${index}.address`)}
              />
              <FieldError
                id={errorId(`addresses.${index}.address`)}
                message={errors[`addresses.${index}.address`]}
              />
            </div>
            <div className="field field-narrow">
              <label className="field-label" htmlFor={`${base}-template-${row.key}`}>
                Template for address {index + 1}
              </label>
              <select
                id={`${base}-template-${row.key}`}
                value={row.templateId}
                onChange={(event) =>
                  onChange({
                    ...draft,
                    addresses: draft.addresses.map((each) =>
                      each.key === row.key ? { ...each, templateId: event.target.value } : each,
                    ),
                  })
                }
                {...described(`addresses.${index}.templateId`)}
              >
                {templates.map((template) => (
                  <option key={template.templateId} value={template.templateId}>
                    {template.name}
                  </option>
                ))}
              </select>
              <FieldError
                id={errorId(`addresses.${index}.templateId`)}
                message={errors[`addresses.${index}.templateId`]}
              />
            </div>
            <button
              type="button"
              className="icon-button row-remove"
              aria-label={`Remove address ${index + 1}`}
              title="Remove"
              onClick={() =>
                onChange({ ...draft, addresses: draft.addresses.filter((each) => each.key !== row.key) })
              }
            >
              <Icon name="trash" />
            </button>
          </div>
        ))}
        <FieldError id={errorId('addresses')} message={errors.addresses} />
        <button
          type="button"
          className="button button-small"
          onClick={() =>
            onChange({
              ...draft,
              addresses: [
                ...draft.addresses,
                { key: newRowKey(), address: '', templateId: templates[0]?.templateId ?? '' },
              ],
            })
          }
        >
          <Icon name="plus" />
          Add address
        </button>
      </fieldset>

      <fieldset className="settings-group">
        <legend>Allowed senders</legend>
        <p className="muted">
          Only mail from these senders is imported: an address, or <code>*@domain</code> for everyone at a
          domain. Mail from anyone else, or that fails the spam, virus, SPF or DKIM checks, is dropped without
          a reply.
        </p>
        {draft.allowedSenders.map((row, index) => (
          <div key={row.key} className="settings-row">
            <div className="field">
              <label className="field-label" htmlFor={`${base}-sender-${row.key}`}>
                Sender {index + 1}
              </label>
              <input
                id={`${base}-sender-${row.key}`}
                type="text"
                value={row.value}
                placeholder="ops@example.com or *@example.com"
                onChange={(event) =>
                  onChange({
                    ...draft,
                    allowedSenders: draft.allowedSenders.map((each) =>
                      each.key === row.key ? { ...each, value: event.target.value } : each,
                    ),
                  })
                }
                {...described(`allowedSenders.${index}`)}
              />
              <FieldError
                id={errorId(`allowedSenders.${index}`)}
                message={errors[`allowedSenders.${index}`]}
              />
            </div>
            <button
              type="button"
              className="icon-button row-remove"
              aria-label={`Remove sender ${index + 1}`}
              title="Remove"
              onClick={() =>
                onChange({
                  ...draft,
                  allowedSenders: draft.allowedSenders.filter((each) => each.key !== row.key),
                })
              }
            >
              <Icon name="trash" />
            </button>
          </div>
        ))}
        <FieldError id={errorId('allowedSenders')} message={errors.allowedSenders} />
        <button
          type="button"
          className="button button-small"
          onClick={() =>
            onChange({ ...draft, allowedSenders: [...draft.allowedSenders, { key: newRowKey(), value: '' }] })
          }
        >
          <Icon name="plus" />
          Add sender
        </button>
      </fieldset>

      <label className="switch-row">
        <input
          type="checkbox"
          role="switch"
          aria-checked={draft.replyToSender}
          checked={draft.replyToSender}
          onChange={(event) => onChange({ ...draft, replyToSender: event.target.checked })}
        />
        <span>
          <span className="switch-title">Reply to the sender</span>
          <span className="muted">
            When an emailed import ends, its sender gets the outcome and the counts.
          </span>
        </span>
      </label>
      <FieldError id={errorId('replyToSender')} message={errors.replyToSender} />
    </form>
  );
};
