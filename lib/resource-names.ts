import { Aws } from 'aws-cdk-lib';

/**
 * Physical names shared by both stacks. The stateless stack reaches the buckets by these names instead of
 * through cross-stack references, so its IAM policies read as plain ARNs
 * (`arn:aws:s3:::bulkimports-data-123456789012-eu-west-1/uploads/*`) and an operator can find the buckets
 * without looking up stack outputs. Account and region keep the names unique across deployments.
 */

const lower = (stackPrefix: string): string => stackPrefix.toLowerCase();

/** Uploads, inbound mail, work files and reports. */
export const dataBucketName = (stackPrefix: string): string =>
  `${lower(stackPrefix)}-data-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

/** The console's static files and `config.json`. */
export const consoleBucketName = (stackPrefix: string): string =>
  `${lower(stackPrefix)}-console-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

/** Hosted sign-in domain prefix, unique per region across all accounts, hence the account id. */
export const signInDomainPrefix = (stackPrefix: string): string => `${lower(stackPrefix)}-${Aws.ACCOUNT_ID}`;

/** SES receipt rule set of import mail; activated by hand (docs/deploy.md). */
export const receiptRuleSetName = (stackPrefix: string): string => `${stackPrefix}-import-mail`;

/** The one rule of that set. */
export const IMPORT_MAIL_RULE = 'import-mail';
