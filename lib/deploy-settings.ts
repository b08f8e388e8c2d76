import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/**
 * Deploy-time parameters, read from CDK context (`cdk.json` or `-c key=value`) and checked with zod before
 * any construct is built, so a typo fails the synth with a message instead of deploying something odd.
 */

/** Context values given on the command line arrive as strings; lists may be comma separated. */
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.email()));

const hostName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
    'expected a DNS name such as example.com',
  );

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const LOG_RETENTION_VALUES: ReadonlySet<number> = new Set(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

export const deploySettingsSchema = z
  .object({
    /** Prefix of both stack names and the bucket names, so several copies (stages) fit in one account. */
    stackPrefix: z
      .string()
      // Bucket names ({prefix}-console-{account}-{region}) must stay within S3's 63 characters.
      .regex(
        /^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$/,
        'letters, digits and single hyphens, starting with a letter',
      )
      .max(20)
      // The prefix also starts the Cognito sign-in domain, where these words are reserved.
      .refine((prefix) => !/aws|amazon|cognito/i.test(prefix), 'Cognito reserves aws, amazon and cognito')
      .default('BulkImports'),
    /** Custom host name of the console; needs `consoleCertificateArn` (ACM, us-east-1). */
    consoleDomain: hostName.optional(),
    consoleCertificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/,
        'expected an ACM certificate ARN in us-east-1',
      )
      .optional(),
    /** Domain SES receives import mail for; its MX record must point at SES in the deploy region. */
    importDomain: hostName.optional(),
    /** Addresses the receipt rule accepts; when empty, every address at `importDomain` is accepted. */
    importAddresses: list.default([]),
    /** Email of the first admin; Cognito sends them a temporary password. */
    adminEmail: z.email().optional(),
    /** Email that receives alarm notifications (dead letters, stuck queues). */
    alarmEmail: z.email().optional(),
    /** Days originals, inbound mail and reports are kept before S3 deletes them. */
    retentionDays: wholeNumber(1, 3650, 90),
    /** CloudWatch Logs retention of every function and the API access log. */
    logRetentionDays: z.coerce
      .number()
      .int()
      .default(RetentionDays.ONE_MONTH)
      .refine(
        (days) => LOG_RETENTION_VALUES.has(days),
        'not a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, …)',
      )
      // Checked against the enum's values just above.
      .transform((days) => days as RetentionDays),
    /** Most chunk workers running at once: bounds the write rate one import puts on DynamoDB. */
    chunkMaxConcurrency: wholeNumber(2, 1000, 20),
    /** Imports of one account validating or processing at once; an operator can set one account's own. */
    importsInFlight: wholeNumber(1, 100, 3),
    /** Prefix of the Cognito hosted sign-in domain (`{prefix}.auth.{region}.amazoncognito.com`). */
    authDomainPrefix: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/)
      .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'Cognito reserves aws, amazon and cognito')
      .optional(),
  })
  .superRefine((settings, ctx) => {
    if (Boolean(settings.consoleDomain) !== Boolean(settings.consoleCertificateArn)) {
      ctx.addIssue({
        code: 'custom',
        path: ['consoleCertificateArn'],
        message: 'consoleDomain and consoleCertificateArn go together',
      });
    }
    if (settings.importAddresses.length > 0 && !settings.importDomain) {
      ctx.addIssue({
        code: 'custom',
        path: ['importDomain'],
        message: 'importAddresses need an importDomain',
      });
    }
    for (const address of settings.importAddresses) {
      if (settings.importDomain && !address.endsWith(`@${settings.importDomain}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['importAddresses'],
          message: `${address} is not an address at ${settings.importDomain}`,
        });
      }
    }
  });

export type DeploySettings = z.infer<typeof deploySettingsSchema>;

/** Every context key the app reads. */
const CONTEXT_KEYS = Object.keys(deploySettingsSchema.shape) as readonly (keyof DeploySettings)[];

/**
 * Reads the deploy settings through `lookup` (usually `app.node.tryGetContext`) and validates them.
 * Throws one error naming every problem.
 */
export const parseDeploySettings = (lookup: (key: string) => unknown): DeploySettings => {
  const raw = Object.fromEntries(
    CONTEXT_KEYS.map((key) => [key, lookup(key)]).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = deploySettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(context)'}: ${issue.message}`,
    );
    throw new Error(`Invalid CDK context: ${problems.join('; ')}`);
  }
  return parsed.data;
};
