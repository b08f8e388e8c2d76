import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { createLogger } from '../shared/composition-root';
import { loadConfig } from '../shared/config';
import { addAccountClaim } from './account-claim';
import { preTokenGenerationSettings } from './settings';

/** Cognito pre-token-generation trigger (event version 2): every token names the user's account. */

const config = loadConfig(preTokenGenerationSettings);
const logger = createLogger(config, 'pre-token-generation');

export const handler = async (
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> => {
  const missing = addAccountClaim(event);
  if (missing) {
    // Not an error for Cognito (the user still signs in); the API refuses the token and says why.
    logger.warn('Token issued without an account claim', { userName: event.userName, reason: missing });
  }
  return event;
};
