import {
  DEFAULT_EMAIL_SETTINGS,
  type EmailSettings,
  emailSettingsInputSchema,
  sameAddress,
} from '../shared/email-settings';
import { ConflictError, ErrorCode } from '../shared/errors';
import type { AccountApiDeps } from './api-types';

/** `GET/PUT /api/settings/email`: the Email Import Settings of DESIGN §6. */

export type EmailSettingsDeps = Pick<AccountApiDeps, 'settings' | 'logger' | 'addresses' | 'account'>;

/** Body of `PUT /api/settings/email`: addresses unique, templates known, senders addresses or `*@domain`. */
export const putEmailSettingsBodySchema = emailSettingsInputSchema;

/** The saved settings, or the defaults (email import off) when none were saved yet. */
export const getEmailSettings = async (deps: EmailSettingsDeps): Promise<EmailSettings> =>
  (await deps.settings.getEmailSettings()) ?? DEFAULT_EMAIL_SETTINGS;

/**
 * Replaces the settings as a whole and returns them as stored. Each import address is first claimed for
 * the account (409 ADDRESS_TAKEN, naming the addresses, when another account holds one, and nothing is
 * saved); addresses the account no longer lists are given back once the settings are stored.
 */
export const putEmailSettings = async (
  deps: EmailSettingsDeps,
  settings: EmailSettings,
): Promise<EmailSettings> => {
  const previous = (await deps.settings.getEmailSettings()) ?? DEFAULT_EMAIL_SETTINGS;
  const claims = await Promise.all(
    settings.addresses.map(async ({ address }) => ({
      address,
      ours: await deps.addresses.claim(address, deps.account),
    })),
  );
  const taken = claims.filter((claim) => !claim.ours).map((claim) => claim.address);
  if (taken.length > 0) {
    // Addresses this save claimed and the old settings did not list go back: the save did not happen.
    await releaseUnlisted(
      deps,
      claims.filter((claim) => claim.ours).map((claim) => claim.address),
      previous,
    );
    throw new ConflictError(
      `${taken.length === 1 ? 'The import address' : 'The import addresses'} ${taken.join(', ')} ${taken.length === 1 ? 'belongs' : 'belong'} to another account: choose another address.`,
      ErrorCode.ADDRESS_TAKEN,
    );
  }
  await deps.settings.putEmailSettings(settings);
  await releaseUnlisted(
    deps,
    previous.addresses.map((entry) => entry.address),
    settings,
  );
  deps.logger.info('Email import settings saved', {
    enabled: settings.enabled,
    addresses: settings.addresses.length,
    allowedSenders: settings.allowedSenders.length,
    replyToSender: settings.replyToSender,
  });
  return settings;
};

/** Gives back each of `addresses` that `kept` does not list. */
const releaseUnlisted = async (
  deps: EmailSettingsDeps,
  addresses: readonly string[],
  kept: EmailSettings,
): Promise<void> => {
  const unlisted = addresses.filter(
    (address) => !kept.addresses.some((entry) => sameAddress(entry.address, address)),
  );
  await Promise.all(unlisted.map((address) => deps.addresses.release(address, deps.account)));
};
