import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  CfnUserPoolUser,
  CfnUserPoolUserToGroupAttachment,
  ClientAttributes,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ACCOUNT_ATTRIBUTE_NAME } from '../../lambdas/shared/account';

/** The group the API requires (`cognito:groups`); the API reads it as `AUTH_ADMIN_GROUP`. */
export const ADMIN_GROUP = 'admins';

/** Resource server and scope every API route but health requires in the access token. */
export const RESOURCE_SERVER_ID = 'bulk-imports';
export const ADMIN_SCOPE_NAME = 'admin';
export const ADMIN_SCOPE = `${RESOURCE_SERVER_ID}/${ADMIN_SCOPE_NAME}`;

export interface AdminSignInProps {
  /** Console origins (`https://host`) the sign-in may redirect back to. */
  consoleOrigins: string[];
  /** Prefix of the hosted sign-in domain (`{prefix}.auth.{region}.amazoncognito.com`). */
  domainPrefix: string;
  /** First admin, created in the `admins` group; Cognito emails them a temporary password. */
  adminEmail?: string;
  /** The pre-token-generation trigger that copies `custom:account` into the tokens' `account` claim. */
  accountClaim: IFunction;
}

/**
 * Who may use the console: a Cognito user pool for administrators only (no self sign-up, MFA required,
 * threat protection enforced), the `admins` group, an `admin` scope, and the console's app client, which
 * signs in through the hosted UI with the authorization-code flow and PKCE (a public client: no secret).
 */
export class AdminSignIn extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: AdminSignInProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: compromised-credential and adaptive-risk checks on every sign-in; billed per active user,
      // and this pool only ever holds a handful of administrators.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // `custom:account`: a safe account id (lambdas/shared/account.ts); set by an operator, never by users.
      customAttributes: {
        [ACCOUNT_ATTRIBUTE_NAME]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
    });
    // Version 2 of the event: only it can add claims to the access token, which the API reads.
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      props.accountClaim,
      LambdaVersion.V2_0,
    );

    const adminGroup = new CfnUserPoolGroup(this, 'AdminsGroup', {
      userPoolId: this.userPool.userPoolId,
      groupName: ADMIN_GROUP,
      description: 'May use the Imports area of the console and its API.',
    });

    const adminScope = new ResourceServerScope({
      scopeName: ADMIN_SCOPE_NAME,
      scopeDescription: 'Call the Bulk Imports API',
    });
    const resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_ID,
      scopes: [adminScope],
    });

    const redirectUrls = props.consoleOrigins.map((origin) => `${origin}/`);
    this.client = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      // Only the hosted UI signs users in: its tokens carry the admin scope, direct password or SRP
      // sign-ins would not, and the API gateway would turn them away.
      authFlows: {
        user: false,
        userPassword: false,
        userSrp: false,
        custom: false,
        adminUserPassword: false,
      },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE, OAuthScope.custom(ADMIN_SCOPE)],
        callbackUrls: redirectUrls,
        logoutUrls: redirectUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      // A user may read the account they are in, never change it: only an operator moves a user.
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ACCOUNT_ATTRIBUTE_NAME),
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    // The scope is named literally (it is what the API checks); Cognito must know it before the client.
    this.client.node.addDependency(resourceServer);

    this.domain = this.userPool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });

    if (props.adminEmail) {
      const admin = new CfnUserPoolUser(this, 'FirstAdmin', {
        userPoolId: this.userPool.userPoolId,
        username: props.adminEmail,
        userAttributes: [
          { name: 'email', value: props.adminEmail },
          { name: 'email_verified', value: 'true' },
        ],
        desiredDeliveryMediums: ['EMAIL'],
      });
      const membership = new CfnUserPoolUserToGroupAttachment(this, 'FirstAdminInAdmins', {
        userPoolId: this.userPool.userPoolId,
        username: props.adminEmail,
        groupName: ADMIN_GROUP,
      });
      membership.addResourceDependency(admin);
      membership.addResourceDependency(adminGroup);
    }
  }

  /** Token issuer the API checks (`iss`): `https://cognito-idp.{region}.amazonaws.com/{poolId}`. */
  get issuerUrl(): string {
    // The pool's ProviderURL attribute lacks the scheme, and tokens carry the full URL.
    return `https://cognito-idp.${Stack.of(this).region}.${Aws.URL_SUFFIX}/${this.userPool.userPoolId}`;
  }

  /** Base URL of the hosted sign-in (`https://{prefix}.auth.{region}.amazoncognito.com`). */
  get signInBaseUrl(): string {
    return this.domain.baseUrl();
  }
}
