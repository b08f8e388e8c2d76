import {
  DEFAULT_EMAIL_SETTINGS,
  type EmailSettings,
  emailSettingsInputSchema,
} from '../shared/email-settings';
import type { ApiDeps } from './api-types';

/** `GET/PUT /api/settings/email`: the Email Import Settings of DESIGN §6. */

export type EmailSettingsDeps = Pick<ApiDeps, 'settings' | 'logger'>;

/** Body of `PUT /api/settings/email`: addresses unique, templates known, senders addresses or `*@domain`. */
export const putEmailSettingsBodySchema = emailSettingsInputSchema;

/** The saved settings, or the defaults (email import off) when none were saved yet. */
export const getEmailSettings = async (deps: EmailSettingsDeps): Promise<EmailSettings> =>
  (await deps.settings.getEmailSettings()) ?? DEFAULT_EMAIL_SETTINGS;

/** Replaces the settings as a whole and returns them as stored. */
export const putEmailSettings = async (
  deps: EmailSettingsDeps,
  settings: EmailSettings,
): Promise<EmailSettings> => {
  await deps.settings.putEmailSettings(settings);
  deps.logger.info('Email import settings saved', {
    enabled: settings.enabled,
    addresses: settings.addresses.length,
    allowedSenders: settings.allowedSenders.length,
    replyToSender: settings.replyToSender,
  });
  return settings;
};
