import { z } from 'zod';
import { findTemplate, listTemplates } from './templates';

/**
 * Email Import Settings (DESIGN §6): which addresses import with which template, who may send, and
 * whether senders get a reply. One item in the state table; the API validates what admins save, and
 * email ingest reads it for every received message.
 */

/** What is stored and returned: the `EmailSettings` shape, without the rules that apply on save. */
export const emailSettingsSchema = z.object({
  enabled: z.boolean(),
  addresses: z.array(z.object({ address: z.string(), templateId: z.string() })),
  allowedSenders: z.array(z.string()),
  replyToSender: z.boolean(),
});
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

/** Until an admin saves settings, email import is off and nothing is allowed. */
export const DEFAULT_EMAIL_SETTINGS: EmailSettings = {
  enabled: false,
  addresses: [],
  allowedSenders: [],
  replyToSender: true,
};

/** At most this many import addresses and allowed senders: the item stays far below DynamoDB's 400 KB. */
export const MAX_IMPORT_ADDRESSES = 50;
export const MAX_ALLOWED_SENDERS = 500;

const emailAddress = z.email();
const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/i;

/** A sender rule: an address, or `*@domain` for everyone at exactly that domain. */
export const isSenderPattern = (value: string): boolean =>
  value.startsWith('*@') ? DOMAIN.test(value.slice(2)) : emailAddress.safeParse(value).success;

const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});

const knownTemplates = () =>
  listTemplates()
    .map((template) => template.templateId)
    .join(', ');

/** The body of `PUT /api/settings/email`, with every rule an admin can break and a message for each. */
export const emailSettingsInputSchema = z
  .object(
    {
      enabled: z.boolean(expected('true or false')),
      addresses: z
        .array(
          z.object({
            address: z
              .string(expected('an email address'))
              .trim()
              .max(254, { error: 'must be at most 254 characters' })
              .pipe(z.email({ error: 'must be an email address, like users@imports.example.com' })),
            templateId: z.string(expected('a template id')).refine((id) => findTemplate(id) !== undefined, {
              error: () => `is not a known template (known: ${knownTemplates()})`,
            }),
          }),
          expected('a list of {address, templateId}'),
        )
        .max(MAX_IMPORT_ADDRESSES, { error: `must list at most ${MAX_IMPORT_ADDRESSES} addresses` }),
      allowedSenders: z
        .array(
          z
            .string(expected('an email address or *@domain'))
            .trim()
            .max(254, { error: 'must be at most 254 characters' })
            .refine(isSenderPattern, {
              error: 'must be an email address (alice@example.com) or *@domain (*@example.com)',
            }),
          expected('a list of senders'),
        )
        .max(MAX_ALLOWED_SENDERS, { error: `must list at most ${MAX_ALLOWED_SENDERS} senders` }),
      replyToSender: z.boolean(expected('true or false')),
    },
    { error: 'expected a JSON object' },
  )
  .superRefine((settings, ctx) => {
    const seenAddresses = new Map<string, number>();
    settings.addresses.forEach(({ address }, index) => {
      const earlier = seenAddresses.get(address.toLowerCase());
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['addresses', index, 'address'],
          message: `is already listed (address ${earlier + 1}); each address imports with one template`,
        });
      } else seenAddresses.set(address.toLowerCase(), index);
    });
    const seenSenders = new Set<string>();
    settings.allowedSenders.forEach((sender, index) => {
      if (seenSenders.has(sender.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: ['allowedSenders', index], message: 'is already listed' });
      }
      seenSenders.add(sender.toLowerCase());
    });
    if (settings.enabled && settings.addresses.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['addresses'],
        message: 'must list at least one address to turn email import on',
      });
    }
    if (settings.enabled && settings.allowedSenders.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowedSenders'],
        message: 'must list at least one sender to turn email import on: mail from anyone else is dropped',
      });
    }
  });

/** An address as addresses compare: without case and surrounding spaces (the registry keys them so). */
export const normalAddress = (address: string): string => address.trim().toLowerCase();

export const sameAddress = (a: string, b: string): boolean => normalAddress(a) === normalAddress(b);

const domainOf = (address: string): string => address.slice(address.lastIndexOf('@') + 1);

/**
 * Whether mail from `address` may import: it is listed, or its domain is listed as `*@domain`. Case does
 * not matter; subdomains do (`*@example.com` does not allow `someone@eu.example.com`).
 */
export const isSenderAllowed = (settings: EmailSettings, address: string): boolean => {
  const sender = address.trim().toLowerCase();
  if (!emailAddress.safeParse(sender).success) return false;
  return settings.allowedSenders.some((pattern) => {
    const rule = pattern.trim().toLowerCase();
    return rule.startsWith('*@') ? rule.slice(2) === domainOf(sender) : rule === sender;
  });
};

export interface ImportAddress {
  address: string;
  templateId: string;
}

/** The first recipient, in envelope order, that is a configured import address, with its template. */
export const routeRecipients = (
  settings: EmailSettings,
  recipients: readonly string[],
): ImportAddress | undefined => {
  const byAddress = new Map(settings.addresses.map((entry) => [entry.address.trim().toLowerCase(), entry]));
  for (const recipient of recipients) {
    const entry = byAddress.get(recipient.trim().toLowerCase());
    if (entry) return entry;
  }
  return undefined;
};
