import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { queueDefinition } from '../../lambdas/shared/resource-definitions';
import { actionsByResource, cfnString, functionId, functionStatements } from './cfn-json';
import { propertiesOf, resourcesOfType, synthesizeTestApp } from './infra-app';

// Built once for the file: every test reads the same synthesized templates.
const built = synthesizeTestApp({ chunkMaxConcurrency: '7', logRetentionDays: '14' });
const template = built.statelessTemplate;

const FUNCTIONS = ['ValidateFile', 'ProcessChunk', 'FinalizeImport', 'Api'] as const;
const DATA_BUCKET = 'arn:<AWS::Partition>:s3:::bulkimports-data-<AWS::AccountId>-<AWS::Region>';

/** Object actions per key prefix, as each stage uses them (see the handlers' cores). */
const OBJECT_ACCESS: Record<(typeof FUNCTIONS)[number], Record<string, string[]>> = {
  ValidateFile: {
    'uploads/*': ['s3:GetObject'],
    'work/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
  },
  ProcessChunk: {
    'uploads/*': ['s3:GetObject'],
    'work/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
  },
  FinalizeImport: {
    'work/*': ['s3:DeleteObject', 's3:GetObject'],
    'reports/*': ['s3:AbortMultipartUpload', 's3:PutObject'],
  },
  Api: {
    'uploads/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
    'reports/*': ['s3:GetObject'],
    'inbound/*': ['s3:GetObject'],
  },
};

describe('stateless stack: functions', () => {
  it('run every function on Node.js 24, arm64, with active tracing and its own log group', () => {
    // Prepare
    const functions = FUNCTIONS.map(
      (name) => resourcesOfType(template, 'AWS::Lambda::Function')[functionId(template, name)],
    );

    // Act
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    // Assess
    for (const fn of functions) {
      expect(fn?.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
      const logGroup = (propertiesOf(fn).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logGroups[logGroup]?.Properties?.RetentionInDays).toBe(14);
    }
  });

  it('gives each queue consumer the timeout of its queue definition, and the API fits the HTTP API limit', () => {
    const timeoutOf = (name: string) =>
      resourcesOfType(template, 'AWS::Lambda::Function')[functionId(template, name)]?.Properties?.Timeout;
    expect(timeoutOf('ValidateFile')).toBe(queueDefinition('intake').functionTimeoutSeconds);
    expect(timeoutOf('ProcessChunk')).toBe(queueDefinition('chunks').functionTimeoutSeconds);
    expect(timeoutOf('FinalizeImport')).toBe(queueDefinition('finalize').functionTimeoutSeconds);
    expect(timeoutOf('Api')).toBeLessThan(30);
  });

  it('reports failed messages one by one on every queue, and caps the chunk workers', () => {
    // Prepare
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping'));

    // Act
    const byFunction = Object.fromEntries(
      mappings.map((mapping) => [
        (propertiesOf(mapping).FunctionName as { Ref: string }).Ref,
        mapping.Properties ?? {},
      ]),
    );

    // Assess
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      expect(mapping.Properties?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
    expect(byFunction[functionId(template, 'ValidateFile')]?.BatchSize).toBe(
      queueDefinition('intake').batchSize,
    );
    expect(byFunction[functionId(template, 'FinalizeImport')]?.BatchSize).toBe(
      queueDefinition('finalize').batchSize,
    );
    expect(byFunction[functionId(template, 'ProcessChunk')]).toMatchObject({
      BatchSize: queueDefinition('chunks').batchSize,
      ScalingConfig: { MaximumConcurrency: 7 },
    });
  });
});

describe('stateless stack: least privilege', () => {
  it.each(FUNCTIONS)(
    '%s may touch only its own key prefixes of the data bucket, with only its own actions',
    (name) => {
      // Act
      const byResource = actionsByResource(functionStatements(template, functionId(template, name)));
      const objectAccess = Object.fromEntries(
        Object.entries(byResource)
          .filter(([resource]) => resource.startsWith(`${DATA_BUCKET}/`))
          .map(([resource, actions]) => [resource.slice(DATA_BUCKET.length + 1), actions]),
      );

      // Assess
      expect(objectAccess).toEqual(OBJECT_ACCESS[name]);
    },
  );

  it('lets only the functions that HEAD possibly missing keys list the bucket', () => {
    const listers = FUNCTIONS.filter((name) =>
      (
        actionsByResource(functionStatements(template, functionId(template, name)))[DATA_BUCKET] ?? []
      ).includes('s3:ListBucket'),
    );
    expect(listers).toEqual(['ValidateFile', 'Api']);
  });

  it.each([
    ['ValidateFile', ['uploads/*', 'work/*']],
    ['Api', ['uploads/*', 'reports/*', 'inbound/*']],
  ])('lets %s list only the key prefixes it reads', (name, prefixes) => {
    const listings = functionStatements(template, functionId(template, name)).filter((statement) =>
      statement.actions.includes('s3:ListBucket'),
    );
    expect(listings).toEqual([
      {
        effect: 'Allow',
        actions: ['s3:ListBucket'],
        resources: [DATA_BUCKET],
        condition: { StringLike: { 's3:prefix': prefixes } },
      },
    ]);
  });

  it('grants no wildcard action, and "*" as a resource only for X-Ray', () => {
    for (const name of FUNCTIONS) {
      const statements = functionStatements(template, functionId(template, name));
      for (const statement of statements) {
        for (const action of statement.actions) expect(action).not.toContain('*');
        if (statement.resources.includes('*')) {
          expect(statement.actions.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        }
      }
    }
  });

  it('writes records only from the chunk worker, and deletes no DynamoDB item anywhere', () => {
    // Prepare
    const tableActions = (name: string, table: RegExp) =>
      Object.entries(actionsByResource(functionStatements(template, functionId(template, name))))
        .filter(([resource]) => table.test(resource) && !resource.includes('/index/'))
        .flatMap(([, actions]) => actions);

    // Act
    const recordWriters = FUNCTIONS.filter((name) =>
      tableActions(name, /RecordsTable/).includes('dynamodb:PutItem'),
    );
    const allActions = FUNCTIONS.flatMap((name) => [
      ...tableActions(name, /RecordsTable/),
      ...tableActions(name, /StateTable/),
    ]);

    // Assess
    expect(recordWriters).toEqual(['ProcessChunk']);
    expect(tableActions('ProcessChunk', /RecordsTable/)).toEqual(
      expect.arrayContaining(['dynamodb:PartiQLInsert', 'dynamodb:BatchGetItem']),
    );
    expect(allActions).not.toContain('dynamodb:PartiQLUpdate');
    expect(allActions).not.toContain('dynamodb:DeleteItem');
    expect(tableActions('FinalizeImport', /RecordsTable/)).toEqual([]);
  });

  it('lets each stage send only to the queue it feeds', () => {
    const senders = (queue: RegExp) =>
      FUNCTIONS.filter((name) =>
        Object.entries(actionsByResource(functionStatements(template, functionId(template, name)))).some(
          ([resource, actions]) => queue.test(resource) && actions.includes('sqs:SendMessage'),
        ),
      );
    // Validation sends an import's first window of chunks, counting each one sends the next.
    expect(senders(/ChunksQueue/)).toEqual(['ValidateFile', 'ProcessChunk']);
    expect(senders(/FinalizeQueue/)).toEqual(['ProcessChunk']);
    // The intake queue takes S3's notifications, and the starts of imports that waited for a slot of their
    // account: sent by what ends an import (FUNCTIONS lists the pipeline functions; the watchdog's own
    // grant is asserted with its permissions).
    expect(senders(/IntakeQueue/)).toEqual(['ValidateFile', 'FinalizeImport']);
  });
});

describe('stateless stack: HTTP API', () => {
  it('protects every route but GET /api/health with the Cognito JWT authorizer and the admin scope', () => {
    // Act
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties ?? {},
    );

    // Assess
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(['ANY /api/{proxy+}', 'GET /api/health']);
    for (const route of routes) {
      if (route.RouteKey === 'GET /api/health') {
        expect(route.AuthorizationType).toBe('NONE');
        expect(route.AuthorizationScopes).toBeUndefined();
      } else {
        expect(route).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: expect.stringMatching(/AdminToken/) },
          AuthorizationScopes: ['bulk-imports/admin'],
        });
      }
    }
  });

  it('accepts only tokens the user pool issued to the console client', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [
          Match.objectLike({
            'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('ConsoleClient') }),
          }),
        ],
        Issuer: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      },
    });
  });

  it('answers browser preflights only for the console origin, and logs every request', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: [Match.objectLike({ 'Fn::Join': ['', ['https://', Match.anyValue()]] })],
        AllowHeaders: ['authorization', 'content-type'],
      }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
    });
  });

  it('tells the API function who issues tokens, which client they are for and which group is admin', () => {
    const api = resourcesOfType(template, 'AWS::Lambda::Function')[functionId(template, 'Api')];
    const env = (propertiesOf(api).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(env.AUTH_ISSUER)).toContain('https://cognito-idp.');
    expect(JSON.stringify(env.AUTH_CLIENT_IDS)).toContain('ConsoleClient');
    expect(env.AUTH_ADMIN_GROUP).toBe('admins');
  });

  it('gives the API only the ARN of its cursor secret, and lets it read that secret alone', () => {
    const apiId = functionId(template, 'Api');
    const api = resourcesOfType(template, 'AWS::Lambda::Function')[apiId];
    const env = (propertiesOf(api).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.CURSOR_SECRET).toBeUndefined();
    expect(env.CURSOR_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^CursorSecret/) });
    expect(JSON.stringify(template.toJSON())).not.toContain('{{resolve:secretsmanager:');
    const readers = [...FUNCTIONS, 'Watchdog'].filter((name) =>
      functionStatements(template, functionId(template, name)).some((statement) =>
        statement.actions.includes('secretsmanager:GetSecretValue'),
      ),
    );
    expect(readers).toEqual(['Api']);
    const reads = functionStatements(template, apiId).filter((statement) =>
      statement.actions.includes('secretsmanager:GetSecretValue'),
    );
    expect(reads.flatMap((statement) => statement.resources)).toEqual([
      expect.stringMatching(/^<CursorSecret/),
    ]);
  });
});

describe('stateless stack: console', () => {
  it('deploys config.json even while the console build is missing, and no console files', () => {
    // Act
    const deployments = Object.values(resourcesOfType(template, 'Custom::CDKBucketDeployment'));

    // Assess
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.Properties).toMatchObject({
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(cfnString(deployments[0]?.Properties?.DestinationBucketName)).toBe(
      'bulkimports-console-<AWS::AccountId>-<AWS::Region>',
    );
    expect(JSON.stringify(deployments[0]?.Properties?.SourceMarkers)).toContain('HttpApi');
  });

  it('deploys the console build as well once it exists, with the shell revalidated on every load', () => {
    // Prepare
    const dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'app-1234.js'), 'console.log(1)');

    try {
      // Act
      const withConsole = synthesizeTestApp({}, { consoleDistDir: dist });
      const deployments = Object.values(
        resourcesOfType(withConsole.statelessTemplate, 'Custom::CDKBucketDeployment'),
      ).map((deployment) => deployment.Properties ?? {});

      // Assess
      expect(deployments).toHaveLength(3);
      expect(deployments.filter((deployment) => deployment.Prune === true)).toHaveLength(1);
      expect(deployments.map((deployment) => deployment.SystemMetadata)).toEqual(
        expect.arrayContaining([
          { 'cache-control': 'public, max-age=31536000, immutable' },
          { 'cache-control': 'no-cache' },
        ]),
      );
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('stateless stack: email imports', () => {
  it('adds no receiving when no import domain is configured', () => {
    expect(resourcesOfType(template, 'AWS::SES::ReceiptRule')).toEqual({});
  });

  it('stores mail that arrived over TLS and was scanned, then hands it to email ingest', () => {
    // Act
    const withMail = synthesizeTestApp({
      importDomain: 'imports.example.com',
      importAddresses: 'users@imports.example.com',
    });

    // Assess
    withMail.statelessTemplate.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: Match.stringLikeRegexp('RuleSet') },
      Rule: {
        Name: 'import-mail',
        Enabled: true,
        Recipients: ['users@imports.example.com'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [
          { S3Action: Match.objectLike({ ObjectKeyPrefix: 'inbound/' }) },
          {
            LambdaAction: {
              FunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EmailIngest'), 'Arn'] },
              InvocationType: 'Event',
            },
          },
        ],
      },
    });
    withMail.statelessTemplate.hasResourceProperties('AWS::SES::ReceiptRuleSet', {
      RuleSetName: 'BulkImports-import-mail',
    });
    withMail.statelessTemplate.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'imports.example.com',
    });
    for (const output of ['ReceiptRuleSetName', 'DkimRecord1', 'DkimRecord2', 'DkimRecord3']) {
      withMail.statelessTemplate.hasOutput(output, {});
    }
    withMail.statelessTemplate.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'ses.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  describe('least privilege of the email functions', () => {
    const withMail = synthesizeTestApp({ importDomain: 'imports.example.com' });
    const mailTemplate = withMail.statelessTemplate;
    const accessOf = (name: string) =>
      actionsByResource(functionStatements(mailTemplate, functionId(mailTemplate, name)));
    const objectAccessOf = (name: string) =>
      Object.fromEntries(
        Object.entries(accessOf(name))
          .filter(([resource]) => resource.startsWith(`${DATA_BUCKET}/`))
          .map(([resource, actions]) => [resource.slice(DATA_BUCKET.length + 1), actions]),
      );
    const tableActionsOf = (name: string, table: RegExp) =>
      Object.entries(accessOf(name))
        .filter(([resource]) => table.test(resource) && !resource.includes('/index/'))
        .flatMap(([, actions]) => actions)
        .sort();

    it('lets email ingest read raw mail and copy it under its accounts, write uploads, create tasks and hand them to finalize, nothing more', () => {
      // inbound/: read what SES stored, copy it under each recipient account, remove a copy that made nothing
      expect(objectAccessOf('EmailIngest')).toEqual({
        'inbound/*': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        'uploads/*': ['s3:AbortMultipartUpload', 's3:PutObject'],
      });
      expect(tableActionsOf('EmailIngest', /StateTable/)).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
      expect(tableActionsOf('EmailIngest', /RecordsTable/)).toEqual([]);
      const sends = Object.entries(accessOf('EmailIngest'))
        .filter(([, actions]) => actions.includes('sqs:SendMessage'))
        .map(([resource]) => resource);
      expect(sends.sort()).toEqual([
        expect.stringMatching(/EmailIngestFailures/),
        expect.stringMatching(/FinalizeQueue/),
      ]);
    });

    it('retries a failed event twice, then hands it to the failure queue; a failed invocation alarms', () => {
      const configs = Object.values(resourcesOfType(mailTemplate, 'AWS::Lambda::EventInvokeConfig'));
      expect(configs.map(propertiesOf)).toEqual([
        {
          FunctionName: { Ref: expect.stringMatching(/^EmailIngest/) },
          Qualifier: '$LATEST',
          MaximumRetryAttempts: 2,
          DestinationConfig: { OnFailure: { Destination: expect.anything() } },
        },
      ]);
      // The failure queue of the stateful stack, by its ARN.
      expect(JSON.stringify(propertiesOf(configs[0]).DestinationConfig)).toMatch(/EmailIngestFailures\w*Arn/);
      mailTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^EmailIngest') } }],
        Threshold: 1,
        AlarmActions: Match.anyValue(),
      });
    });

    it('lets only finalize-import send mail, as the reply address of the verified domain only', () => {
      // Act
      const senders = ['EmailIngest', 'ValidateFile', 'ProcessChunk', 'FinalizeImport', 'Api'].filter(
        (name) =>
          functionStatements(mailTemplate, functionId(mailTemplate, name)).some((statement) =>
            statement.actions.some((action) => action.startsWith('ses:')),
          ),
      );
      const policies = Object.values(resourcesOfType(mailTemplate, 'AWS::IAM::Policy'));
      const sesStatements = policies
        .flatMap(
          (policy) =>
            (propertiesOf(policy).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((statement) => JSON.stringify(statement.Action).includes('ses:'));

      // Assess
      expect(senders).toEqual(['FinalizeImport']);
      expect(sesStatements).toEqual([
        {
          Action: 'ses:SendEmail',
          Effect: 'Allow',
          Resource: expect.objectContaining({ 'Fn::Join': expect.anything() }),
          Condition: { StringEquals: { 'ses:FromAddress': 'no-reply@imports.example.com' } },
        },
      ]);
      // The identity of the import domain, by reference to the EmailIdentity resource.
      expect(JSON.stringify(sesStatements[0]?.Resource)).toMatch(
        /":identity\/",\{"Ref":"EmailReceivingDomain/,
      );
    });

    it('lets finalize-import read reports (to link them) and validate-file hand rejected files to it', () => {
      expect(objectAccessOf('FinalizeImport')).toEqual({
        'work/*': ['s3:DeleteObject', 's3:GetObject'],
        'reports/*': ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
      });
      expect(tableActionsOf('FinalizeImport', /StateTable/)).toEqual([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      const finalizeSenders = ['ValidateFile', 'ProcessChunk', 'EmailIngest'].filter((name) =>
        Object.entries(accessOf(name)).some(
          ([resource, actions]) => /FinalizeQueue/.test(resource) && actions.includes('sqs:SendMessage'),
        ),
      );
      expect(finalizeSenders).toEqual(['ValidateFile', 'ProcessChunk', 'EmailIngest']);
    });
  });
});

describe('stateless stack: API alarms', () => {
  it('alarms on any 5xx answer of the HTTP API', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: '5xx',
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });
});

describe('stateless stack: watchdog', () => {
  const watchdogId = functionId(template, 'Watchdog');
  const access = actionsByResource(functionStatements(template, watchdogId));
  const accessTo = (pattern: RegExp) =>
    Object.entries(access)
      .filter(([resource]) => pattern.test(resource))
      .flatMap(([, actions]) => actions)
      .sort();

  it('runs every 5 minutes from an EventBridge rule, without retries that would overlap the next pass', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [watchdogId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
  });

  it('may abort uploads but not write them, query only the open-tasks index, and only read records', () => {
    expect(accessTo(/uploads\/\*$/)).toEqual(['s3:AbortMultipartUpload', 's3:GetObject']);
    expect(accessTo(/StateTable.*\/index\//)).toEqual(['dynamodb:Query']);
    expect(
      Object.keys(access)
        .filter((resource) => /StateTable.*\/index\//.test(resource))
        .map((resource) => resource.split('/index/')[1]),
    ).toEqual(['byOpenStatus']);
    expect(accessTo(/RecordsTable/)).toEqual(['dynamodb:BatchGetItem']);
    expect(accessTo(/FinalizeQueue/)).toContain('sqs:SendMessage');
  });

  it('may send chunk messages (a plan validate-file never finished sending) but not receive them', () => {
    expect(accessTo(/ChunksQueue(?!DeadLetters)/)).toContain('sqs:SendMessage');
    expect(accessTo(/ChunksQueue/)).not.toContain('sqs:ReceiveMessage');
  });

  it('may start imports that waited for a slot of their account (a message to the intake queue), not receive them', () => {
    expect(accessTo(/IntakeQueue(?!DeadLetters)/)).toContain('sqs:SendMessage');
    expect(accessTo(/IntakeQueue/)).not.toContain('sqs:ReceiveMessage');
  });

  it('alarms when a pass fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: watchdogId } }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
  });

  it('gives the consumers their queue max receives, so they give up on the last one', () => {
    const envOf = (name: string): Record<string, unknown> => {
      const fn = template.findResources('AWS::Lambda::Function')[functionId(template, name)];
      return (
        (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
      );
    };
    expect(envOf('ValidateFile').INTAKE_MAX_RECEIVE_COUNT).toBe(
      String(queueDefinition('intake').maxReceiveCount),
    );
    expect(envOf('ProcessChunk').CHUNKS_MAX_RECEIVE_COUNT).toBe(
      String(queueDefinition('chunks').maxReceiveCount),
    );
    expect(envOf('FinalizeImport').FINALIZE_MAX_RECEIVE_COUNT).toBe(
      String(queueDefinition('finalize').maxReceiveCount),
    );
  });
});
