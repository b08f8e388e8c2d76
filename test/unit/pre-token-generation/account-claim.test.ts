import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { addAccountClaim } from '../../../lambdas/pre-token-generation/account-claim';

/** A V2 event as Cognito sends it for a hosted-UI sign-in. */
const eventFor = (userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent => ({
  version: '2',
  triggerSource: 'TokenGeneration_HostedAuth',
  region: 'eu-west-1',
  userPoolId: 'eu-west-1_Pool',
  userName: 'ada',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'console' },
  request: { userAttributes, groupConfiguration: { groupsToOverride: ['admins'] }, scopes: ['openid'] },
  response: { claimsAndScopeOverrideDetails: {} },
});

describe('the account claim of the sign-in trigger', () => {
  it('copies custom:account into the access token and the ID token', () => {
    // Prepare
    const event = eventFor({ sub: 's-1', email: 'ada@acme.example', 'custom:account': 'acme' });

    // Act
    const missing = addAccountClaim(event);

    // Assess
    expect(missing).toBeUndefined();
    expect(event.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { account: 'acme' } },
      idTokenGeneration: { claimsToAddOrOverride: { account: 'acme' } },
    });
  });

  it('adds no account for a user without the attribute or with an unsafe one, and says why', () => {
    // Prepare
    const none = eventFor({ sub: 's-1' });
    const unsafe = eventFor({ sub: 's-1', 'custom:account': 'Acme/../globex' });

    // Act
    const whyNone = addAccountClaim(none);
    const whyUnsafe = addAccountClaim(unsafe);

    // Assess
    expect(whyNone).toBe('the user has no custom:account attribute');
    expect(whyUnsafe).toContain('custom:account is not a valid account id');
    for (const event of [none, unsafe]) expect(event.response.claimsAndScopeOverrideDetails).toEqual({});
  });
});
