import { Match } from 'aws-cdk-lib/assertions';
import { QUEUES } from '../../lambdas/shared/resource-definitions';
import { DEAD_LETTER_RETENTION } from '../../lib/constructs/work-queue';
import { propertiesOf, resourcesOfType, synthesizeTestApp } from './infra-app';

// Built once for the file: every test reads the same synthesized templates.
const built = synthesizeTestApp({ retentionDays: '45', adminEmail: 'first.admin@example.com' });
const template = built.statefulTemplate;

const DAY = 24 * 3600;

const dataBucket = () => {
  const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
  const found = Object.entries(buckets).find(([id]) => id.startsWith('Data'));
  if (!found) throw new Error('data bucket not found');
  return { id: found[0], props: found[1].Properties ?? {} };
};

describe('stateful stack', () => {
  it('is protected from deletion, and keeps its data stores if deleted anyway', () => {
    // Prepare
    const retainedTypes = ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::Cognito::UserPool'];

    // Act
    const stores = retainedTypes.flatMap((type) => Object.values(resourcesOfType(template, type)));

    // Assess
    expect(built.stateful.terminationProtection).toBe(true);
    expect(stores.length).toBe(3 + 2 + 1);
    for (const store of stores) {
      expect(store.DeletionPolicy).toBe('Retain');
      expect(store.UpdateReplacePolicy).toBe('Retain');
    }
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    template.allResourcesProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
  });

  it('blocks public access and encrypts every bucket', () => {
    template.allResourcesProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('refuses plain HTTP and TLS below 1.2 on every bucket', () => {
    // Prepare
    const policies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'));

    // Act
    const denials = policies.map((policy) => JSON.stringify(policy.Properties?.PolicyDocument));

    // Assess
    expect(policies).toHaveLength(3);
    for (const document of denials) {
      expect(document).toContain('"aws:SecureTransport":"false"');
      expect(document).toContain('"s3:TlsVersion":1.2');
    }
  });

  it('grants no principal "*" on any bucket', () => {
    const policies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy'));
    for (const policy of policies) {
      const statements = (propertiesOf(policy).PolicyDocument as { Statement: Record<string, unknown>[] })
        .Statement;
      for (const statement of statements.filter((candidate) => candidate.Effect === 'Allow')) {
        expect(JSON.stringify(statement.Principal)).not.toContain('"*"');
      }
    }
  });

  it('lets the console origin upload parts, download and abort, and read each part ETag', () => {
    // Prepare
    const [distribution] = Object.keys(resourcesOfType(template, 'AWS::CloudFront::Distribution'));

    // Act
    const { props } = dataBucket();

    // Assess
    expect(props.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: [
            { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] },
          ],
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedHeaders: ['*'],
          ExposedHeaders: ['ETag'],
          MaxAge: 3000,
        },
      ],
    });
  });

  it('aborts stale multipart uploads after a day and expires files after the configured retention', () => {
    // Act
    const rules = (dataBucket().props.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;

    // Assess
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        }),
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 45 }),
        expect.objectContaining({ Prefix: 'inbound/', ExpirationInDays: 45 }),
        expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: 45 }),
        // Work files live as long as a dead-lettered message can be redriven, not longer than the import.
        expect.objectContaining({ Prefix: 'work/', ExpirationInDays: DEAD_LETTER_RETENTION.toDays() }),
      ]),
    );
  });

  it('logs access to the data and console buckets into the access-log bucket', () => {
    const buckets = Object.entries(resourcesOfType(template, 'AWS::S3::Bucket'));
    const logged = buckets.filter(([, bucket]) => bucket.Properties?.LoggingConfiguration !== undefined);
    expect(logged.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^ConsoleBucket/),
      expect.stringMatching(/^Data/),
    ]);
  });

  it('encrypts every queue, refuses plain HTTP on it, and dead-letters each work queue', () => {
    // Prepare
    const queues = Object.entries(resourcesOfType(template, 'AWS::SQS::Queue'));
    const deadLetterIds = queues.filter(([id]) => id.includes('DeadLetters')).map(([id]) => id);

    // Act
    const sources = queues.filter(([id]) => !deadLetterIds.includes(id));

    // Assess
    expect(deadLetterIds).toHaveLength(QUEUES.length);
    for (const [, queue] of queues) expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
    for (const [, queue] of sources) {
      const redrive = queue.Properties?.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': string[] } };
      expect(deadLetterIds).toContain(redrive.deadLetterTargetArn['Fn::GetAtt'][0]);
      expect(queue.Properties?.MessageRetentionPeriod).toBeLessThan(DEAD_LETTER_RETENTION.toSeconds());
    }
    for (const id of deadLetterIds) {
      expect(queues.find(([candidate]) => candidate === id)?.[1].Properties?.MessageRetentionPeriod).toBe(
        14 * DAY,
      );
    }
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'));
    const protectedQueues = policies
      .filter((policy) =>
        JSON.stringify(policy.Properties?.PolicyDocument).includes('"aws:SecureTransport":"false"'),
      )
      .flatMap((policy) => (propertiesOf(policy).Queues as { Ref: string }[]).map((queue) => queue.Ref));
    expect(protectedQueues.sort()).toEqual(queues.map(([id]) => id).sort());
  });

  it('alarms on every dead-letter queue with a message and on every work queue that stops draining', () => {
    // Prepare
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    const topic = Object.keys(resourcesOfType(template, 'AWS::SNS::Topic'))[0];

    // Act
    const byMetric = (name: string) => alarms.filter((alarm) => alarm.Properties?.MetricName === name);

    // Assess
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(QUEUES.length);
    expect(byMetric('ApproximateAgeOfOldestMessage')).toHaveLength(QUEUES.length);
    for (const alarm of byMetric('ApproximateNumberOfMessagesVisible')) {
      expect(alarm.Properties?.Threshold).toBe(1);
      expect(JSON.stringify(alarm.Properties?.Dimensions)).toContain('DeadLetters');
    }
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('starts an import for every object created under uploads/, through the intake queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            QueueArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IntakeQueue'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('signs in administrators only: no self sign-up, MFA required, threat protection enforced', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admins' });
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'bulk-imports',
      Scopes: [{ ScopeName: 'admin', ScopeDescription: Match.anyValue() }],
    });
  });

  it('gives the console a public client that signs in through the hosted UI with the admin scope', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid', 'bulk-imports/admin']),
      CallbackURLs: [
        {
          'Fn::Join': [
            '',
            ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('Distribution'), 'DomainName'] }, '/'],
          ],
        },
      ],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('names each user’s account in a custom:account attribute that users can read but not change', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        Match.objectLike({
          Name: 'account',
          AttributeDataType: 'String',
          Mutable: true,
          StringAttributeConstraints: { MinLength: '1', MaxLength: '64' },
        }),
      ]),
    });
    const [client] = Object.values(resourcesOfType(template, 'AWS::Cognito::UserPoolClient'));
    expect(client?.Properties?.ReadAttributes).toEqual(expect.arrayContaining(['custom:account']));
    expect(client?.Properties?.WriteAttributes).toEqual(['email']);
  });

  it('copies the account into every access token with a version 2 pre-token-generation trigger', () => {
    // Assess: the trigger is the account-claim function, called with the V2 event (access-token claims)
    const [pool] = Object.values(resourcesOfType(template, 'AWS::Cognito::UserPool'));
    const trigger = (pool?.Properties?.LambdaConfig as Record<string, unknown> | undefined)
      ?.PreTokenGenerationConfig;
    expect(trigger).toEqual({
      LambdaArn: { 'Fn::GetAtt': [expect.stringMatching(/^AccountClaimFunction/), 'Arn'] },
      LambdaVersion: 'V2_0',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^pre-token-generation'),
      Runtime: 'nodejs24.x',
      Timeout: 5,
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccountClaimFunction'), 'Arn'] },
    });
  });

  it('creates the first admin from context, in the admins group', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolUser', {
      Username: 'first.admin@example.com',
      DesiredDeliveryMediums: ['EMAIL'],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolUserToGroupAttachment', {
      Username: 'first.admin@example.com',
      GroupName: 'admins',
    });
  });

  it('serves the console over HTTPS only, from a bucket that only its distribution can read', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Logging: Match.objectLike({ Prefix: 'console-cdn/' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^ConsoleBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('holds tables on demand with point-in-time recovery', () => {
    template.allResourcesProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('stateful stack with email imports', () => {
  const withMail = synthesizeTestApp({ importDomain: 'imports.example.com' });

  it('lets SES write raw mail under inbound/ only, and only for the receipt rule of this deployment', () => {
    withMail.statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Data') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Principal: { Service: 'ses.amazonaws.com' },
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/inbound/*']] },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it('keeps email events ingest failed on for 14 days in a queue of their own, which alarms', () => {
    const template = withMail.statefulTemplate;
    const queues = template.findResources('AWS::SQS::Queue');
    const failures = Object.entries(queues).filter(([id]) => id.startsWith('EmailIngestFailures'));
    expect(failures).toHaveLength(1);
    const [[failuresId, failuresQueue]] = failures as [[string, { Properties: Record<string, unknown> }]];
    expect(failuresQueue.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failuresId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });

  it('has no failure queue without an import domain', () => {
    const queues = Object.keys(synthesizeTestApp({}).statefulTemplate.findResources('AWS::SQS::Queue'));
    expect(queues.filter((id) => id.startsWith('EmailIngestFailures'))).toEqual([]);
  });
});
