import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { ACCOUNT_ATTRIBUTE, ACCOUNT_ID_RULE, parseAccountId } from '../shared/account';

/**
 * Copies the user's `custom:account` attribute into the `account` claim of the access token (and of the
 * ID token, for the console's display), which the API reads (DESIGN §11). A user without the attribute,
 * or with one that is not a safe account id, gets tokens with no account, which the API refuses (401):
 * nobody is ever let into an account by default. Returns the reason when it adds nothing.
 */
export const addAccountClaim = (event: PreTokenGenerationV2TriggerEvent): string | undefined => {
  const attribute = event.request.userAttributes[ACCOUNT_ATTRIBUTE];
  const account = parseAccountId(attribute);
  if (!account) {
    return attribute === undefined
      ? `the user has no ${ACCOUNT_ATTRIBUTE} attribute`
      : `${ACCOUNT_ATTRIBUTE} is not a valid account id (${ACCOUNT_ID_RULE})`;
  }
  const claims = { account };
  event.response = {
    claimsAndScopeOverrideDetails: {
      ...event.response?.claimsAndScopeOverrideDetails,
      accessTokenGeneration: {
        ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration,
        claimsToAddOrOverride: {
          ...event.response?.claimsAndScopeOverrideDetails?.accessTokenGeneration?.claimsToAddOrOverride,
          ...claims,
        },
      },
      idTokenGeneration: {
        ...event.response?.claimsAndScopeOverrideDetails?.idTokenGeneration,
        claimsToAddOrOverride: {
          ...event.response?.claimsAndScopeOverrideDetails?.idTokenGeneration?.claimsToAddOrOverride,
          ...claims,
        },
      },
    },
  };
  return undefined;
};
