import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type Bucket, EventType, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { preTokenGenerationSettings } from '../lambdas/pre-token-generation/settings';
import { INBOUND_PREFIX, REPORTS_PREFIX, UPLOADS_PREFIX, WORK_PREFIX } from '../lambdas/shared/object-keys';
import {
  EMAIL_INGEST_FAILURES,
  type QueueDefinition,
  queueDefinition,
  RECORDS_TABLE,
  STATE_TABLE,
  UPLOAD_NOTIFICATION_PREFIX,
} from '../lambdas/shared/resource-definitions';
import { AdminSignIn } from './constructs/admin-sign-in';
import { alarmOnFirst } from './constructs/alarms';
import { ConsoleHosting } from './constructs/console-hosting';
import { definitionTable } from './constructs/definition-table';
import { ImportFunction } from './constructs/import-function';
import { secureBucket } from './constructs/secure-bucket';
import { DEAD_LETTER_RETENTION, WorkQueue } from './constructs/work-queue';
import type { DeploySettings } from './deploy-settings';
import { BASIC_EXECUTION_POLICY } from './nag-findings';
import {
  consoleBucketName,
  dataBucketName,
  IMPORT_MAIL_RULE,
  receiptRuleSetName,
  signInDomainPrefix,
} from './resource-names';

export interface StatefulStackProps extends StackProps {
  settings: DeploySettings;
  /** The pre-token-generation handler (`lambdas/pre-token-generation/handler.ts`) and the repository root. */
  signInTrigger: { entry: string; projectRoot: string };
}

/**
 * Methods the console's browser uses on the data bucket: PUTs of multipart upload parts, and downloads.
 * Creating, completing and aborting uploads go through the API, so POST and DELETE are not allowed.
 */
export const CONSOLE_S3_METHODS = [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD] as const;

/**
 * Everything that holds data or an identity people rely on, apart from the code that works on it: the data
 * bucket, the tables, the queues (in-flight and dead-lettered messages are state), the admin user pool, and
 * the console's address. Termination protection is on, and stores are retained if the stack is deleted
 * anyway. The console's distribution lives here because its host name is what the bucket's CORS rule and
 * the sign-in redirects trust; it changes only if the distribution is replaced.
 */
export class StatefulStack extends Stack {
  readonly dataBucket: Bucket;
  readonly stateTable: Table;
  readonly recordsTable: Table;
  readonly queues: Readonly<Record<QueueDefinition['id'], WorkQueue>>;
  readonly signIn: AdminSignIn;
  readonly console: ConsoleHosting;
  readonly alarmTopic: Topic;
  /** Email events ingest failed on every attempt (its on-failure destination); only with an import domain. */
  readonly emailIngestFailures?: Queue;

  private readonly settings: DeploySettings;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { settings } = props;
    this.settings = settings;

    const logBucket = secureBucket(this, 'AccessLogs', {
      // CloudFront standard logging writes with ACLs; S3 server access logging uses the bucket policy.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    Validations.of(logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the other buckets; logging it into itself would loop.',
    });

    this.console = new ConsoleHosting(this, 'Console', {
      bucketName: consoleBucketName(settings.stackPrefix),
      logBucket,
      ...(settings.consoleDomain && settings.consoleCertificateArn
        ? {
            customDomain: {
              domainName: settings.consoleDomain,
              certificateArn: settings.consoleCertificateArn,
            },
          }
        : {}),
    });
    acknowledgeConsoleDistribution(this.console, Boolean(settings.consoleDomain));

    const retention = Duration.days(settings.retentionDays);
    // Work files must outlive a dead-lettered message that an operator may redrive, but not the import.
    const workRetention = Duration.days(Math.min(settings.retentionDays, DEAD_LETTER_RETENTION.toDays()));
    this.dataBucket = secureBucket(this, 'Data', {
      bucketName: dataBucketName(settings.stackPrefix),
      accessLogs: { bucket: logBucket, prefix: 'data-bucket/' },
      cors: [
        {
          allowedOrigins: this.console.origins,
          allowedMethods: [...CONSOLE_S3_METHODS],
          allowedHeaders: ['*'],
          // The browser must read each part's ETag to complete a multipart upload.
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-originals', prefix: UPLOADS_PREFIX, expiration: retention },
        { id: 'expire-inbound-mail', prefix: INBOUND_PREFIX, expiration: retention },
        { id: 'expire-reports', prefix: REPORTS_PREFIX, expiration: retention },
        { id: 'expire-work-files', prefix: WORK_PREFIX, expiration: workRetention },
      ],
    });

    if (settings.importDomain) this.allowMailDelivery();

    this.stateTable = definitionTable(this, 'StateTable', STATE_TABLE);
    this.recordsTable = definitionTable(this, 'RecordsTable', RECORDS_TABLE);

    this.alarmTopic = new Topic(this, 'Alarms', { displayName: 'Bulk Imports alarms', enforceSSL: true });
    // The TLS-only policy replaces the topic's default policy, so CloudWatch needs its own grant.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (settings.alarmEmail) {
      this.alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));
    }

    if (settings.importDomain) this.emailIngestFailures = this.addEmailIngestFailures();

    const workQueue = (queueId: QueueDefinition['id'], constructId: string) =>
      new WorkQueue(this, constructId, { definition: queueDefinition(queueId), alarmTopic: this.alarmTopic });
    this.queues = {
      intake: workQueue('intake', 'IntakeQueue'),
      chunks: workQueue('chunks', 'ChunksQueue'),
      finalize: workQueue('finalize', 'FinalizeQueue'),
    };

    // Multipart completions, plain PUTs and copies all count: any new object under uploads/ starts an import.
    this.dataBucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new SqsDestination(this.queues.intake.queue),
      {
        prefix: UPLOAD_NOTIFICATION_PREFIX,
      },
    );
    acknowledgeNotificationsHandler(this);

    const accountClaim = new ImportFunction(this, 'AccountClaim', {
      entry: props.signInTrigger.entry,
      projectRoot: props.signInTrigger.projectRoot,
      settings: preTokenGenerationSettings,
      description: 'pre-token-generation: puts the account of the user into every token',
      // Cognito waits at most 5 s for a trigger; this one only copies an attribute.
      memorySize: 256,
      timeout: Duration.seconds(5),
      logRetention: settings.logRetentionDays,
    });
    this.signIn = new AdminSignIn(this, 'AdminSignIn', {
      accountClaim: accountClaim.function,
      consoleOrigins: this.console.origins,
      domainPrefix: settings.authDomainPrefix ?? signInDomainPrefix(settings.stackPrefix),
      ...(settings.adminEmail ? { adminEmail: settings.adminEmail } : {}),
    });

    new CfnOutput(this, 'ConsoleUrl', { value: this.console.origins.at(-1) ?? '' });
    new CfnOutput(this, 'DataBucketName', { value: this.dataBucket.bucketName });
    // For operator steps that work on the tables directly (npm run upgrade-accounts, account-limits).
    new CfnOutput(this, 'StateTableName', { value: this.stateTable.tableName });
    new CfnOutput(this, 'RecordsTableName', { value: this.recordsTable.tableName });
    new CfnOutput(this, 'UserPoolId', { value: this.signIn.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.signIn.client.userPoolClientId });
    new CfnOutput(this, 'SignInUrl', { value: this.signIn.signInBaseUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
  }

  /**
   * Email ingest runs on SES's asynchronous invocation: an event it failed on every attempt lands here, is
   * kept as long as SQS allows, and pages an operator (docs/operations.md).
   */
  private addEmailIngestFailures(): Queue {
    const queue = new Queue(this, 'EmailIngestFailures', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(EMAIL_INGEST_FAILURES.retentionSeconds),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the end of the line: Lambda's on-failure destination for email ingest, read by an operator, like a dead-letter queue.",
    });
    alarmOnFirst(this, 'EmailIngestFailuresAlarm', {
      description:
        'Email ingest failed on a received message on every attempt: the event is in the EmailIngestFailures queue, the message under inbound/.',
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      topic: this.alarmTopic,
    });
    return queue;
  }

  /**
   * Lets SES store received import mail under `inbound/`, and only from this deployment's receipt rule. The
   * statement lives here, with the bucket, so the stateless stack never edits a stateful resource.
   */
  private allowMailDelivery(): void {
    const ruleArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${receiptRuleSetName(this.settings.stackPrefix)}:receipt-rule/${IMPORT_MAIL_RULE}`,
    });
    this.dataBucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.dataBucket.arnForObjects(`${INBOUND_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': ruleArn },
        },
      }),
    );
  }
}

/** Findings on the console distribution that are accepted, each with its reason. */
const acknowledgeConsoleDistribution = (hosting: ConsoleHosting, hasCustomDomain: boolean): void => {
  const distribution = Validations.of(hosting.distribution);
  distribution.acknowledge({
    id: 'AwsSolutions-CFR1',
    reason:
      'Administrators may sign in from anywhere; the console is static files and all data sits behind the JWT-protected API.',
  });
  distribution.acknowledge({
    id: 'AwsSolutions-CFR2',
    reason:
      'The distribution serves only public static assets of the console; no data or API traffic passes through it, so a WAF web ACL (us-east-1, billed monthly) would protect nothing of value.',
  });
  if (!hasCustomDomain) {
    distribution.acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose TLS policy CloudFront fixes; set consoleDomain and consoleCertificateArn to enforce TLSv1.2_2021.',
    });
  }
};

/**
 * CDK wires S3 notifications through one provider function per stack (it must set the configuration after
 * the queue policy exists). Its role is CDK's, not ours: acknowledge its findings with reasons.
 */
const acknowledgeNotificationsHandler = (stack: Stack): void => {
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (!handler) throw new Error('Expected the S3 notifications handler CDK adds for bucket notifications');
  const validations = Validations.of(handler);
  validations.acknowledge({
    id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
    reason:
      'CDK-provided handler that sets the bucket notification configuration at deploy time; its role only writes its own logs through this managed policy.',
  });
  validations.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "CDK-provided handler: s3:PutBucketNotification is granted on * by CDK, and the function only ever runs for this stack's bucket during deploys.",
  });
};
