import type { EmailSettings } from '../../../client/schemas';

/**
 * The Email Import Settings form as plain data: what is on screen (rows with stable keys), the checks
 * the API applies (DESIGN §6), and the API's own 400 messages mapped back onto the fields they name.
 */

export interface AddressRow {
  key: string;
  address: string;
  templateId: string;
}

export interface SenderRow {
  key: string;
  value: string;
}

export interface EmailSettingsDraft {
  enabled: boolean;
  addresses: AddressRow[];
  allowedSenders: SenderRow[];
  replyToSender: boolean;
}

/** Field path (`addresses.0.address`, `allowedSenders.1`, `addresses`) → message. */
export type FieldErrors = Record<string, string>;

/** SES receives messages up to 40 MB; base64 makes an attachment about 4/3 its size (DESIGN §6). */
export const SES_MESSAGE_LIMIT_MB = 40;
export const EMAIL_ATTACHMENT_LIMIT_MB = 29;

const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN_WILDCARD = /^\*@[^\s@*]+\.[^\s@*]+$/;

let nextKey = 0;
/** Keys for rows added on screen; they only tell rows apart for React. */
export const newRowKey = (): string => {
  nextKey += 1;
  return `row-${nextKey}`;
};

export const toDraft = (settings: EmailSettings): EmailSettingsDraft => ({
  enabled: settings.enabled,
  addresses: settings.addresses.map((entry) => ({ key: newRowKey(), ...entry })),
  allowedSenders: settings.allowedSenders.map((value) => ({ key: newRowKey(), value })),
  replyToSender: settings.replyToSender,
});

export const toSettings = (draft: EmailSettingsDraft): EmailSettings => ({
  enabled: draft.enabled,
  addresses: draft.addresses.map(({ address, templateId }) => ({ address: address.trim(), templateId })),
  allowedSenders: draft.allowedSenders.map(({ value }) => value.trim()),
  replyToSender: draft.replyToSender,
});

/** Problems the console can see before saving; empty when the draft may be sent. */
export const validateDraft = (draft: EmailSettingsDraft, templateIds: readonly string[]): FieldErrors => {
  const errors: FieldErrors = {};
  const seenAddresses = new Map<string, number>();
  draft.addresses.forEach((row, index) => {
    const address = row.address.trim();
    if (address === '') errors[`addresses.${index}.address`] = 'Enter the address mail is sent to.';
    else if (!ADDRESS.test(address) || address.length > 254) {
      errors[`addresses.${index}.address`] = 'Enter a valid email address, like users@imports.example.com.';
    } else {
      const earlier = seenAddresses.get(address.toLowerCase());
      if (earlier !== undefined) {
        errors[`addresses.${index}.address`] = `This address is already listed (line ${earlier + 1}).`;
      }
      seenAddresses.set(address.toLowerCase(), index);
    }
    if (!templateIds.includes(row.templateId)) {
      errors[`addresses.${index}.templateId`] = 'Choose the template this address imports with.';
    }
  });
  const seenSenders = new Set<string>();
  draft.allowedSenders.forEach((row, index) => {
    const value = row.value.trim();
    if (value === '') errors[`allowedSenders.${index}`] = 'Enter a sender, or remove this line.';
    else if (!ADDRESS.test(value) && !DOMAIN_WILDCARD.test(value)) {
      errors[`allowedSenders.${index}`] = 'Enter an email address, or *@domain for everyone at a domain.';
    } else if (seenSenders.has(value.toLowerCase())) {
      errors[`allowedSenders.${index}`] = 'This sender is already listed.';
    }
    seenSenders.add(value.toLowerCase());
  });
  if (draft.enabled && draft.addresses.length === 0) {
    errors.addresses = 'Add at least one import address to turn email import on.';
  }
  if (draft.enabled && draft.allowedSenders.length === 0) {
    errors.allowedSenders = 'Add at least one allowed sender: mail from anyone else is never imported.';
  }
  return errors;
};

/**
 * The API explains a 400 as "Invalid request body: path: problem; path: problem" (see the API's
 * `describeIssues`): each part with a path goes next to that field, the rest under `form`.
 */
export const fieldErrorsFromApiMessage = (message: string): FieldErrors => {
  const body = message.replace(/^Invalid request body:\s*/, '');
  const errors: FieldErrors = {};
  for (const part of body.split(/;\s+/)) {
    const match = /^([A-Za-z]+(?:\.[A-Za-z0-9]+)*):\s+(.+)$/.exec(part.trim());
    if (match?.[1] && match[2]) errors[match[1]] = capitalise(match[2]);
    else if (part.trim()) errors.form = errors.form ? `${errors.form}; ${part.trim()}` : part.trim();
  }
  return errors;
};

const capitalise = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
