import type { z } from 'zod';
import { apiSettings } from '../../lambdas/api/settings';
import { emailIngestSettings } from '../../lambdas/email-ingest/settings';
import { finalizeImportSettings } from '../../lambdas/finalize-import/settings';
import { preTokenGenerationSettings } from '../../lambdas/pre-token-generation/settings';
import { processChunkSettings } from '../../lambdas/process-chunk/settings';
import {
  QUEUES,
  RECORDS_TABLE,
  STATE_TABLE,
  type TableDefinition,
  UPLOAD_NOTIFICATION_PREFIX,
} from '../../lambdas/shared/resource-definitions';
import { validateFileSettings } from '../../lambdas/validate-file/settings';
import { watchdogSettings } from '../../lambdas/watchdog/settings';
import type { HandlerEntries } from '../../lib/handler-entries';
import { functionId } from './cfn-json';
import { type CfnResourceJson, resourcesOfType, synthesizeTestApp } from './infra-app';

/**
 * The CDK stacks and the local provisioner both build from `lambdas/shared/resource-definitions.ts` and
 * the settings schema each stage exports (`lambdas/<stage>/settings.ts`). These tests fail as soon as the synthesized stacks
 * say something else than those definitions, or a handler would not start with the environment it gets.
 */

const built = synthesizeTestApp();
const stateful = built.statefulTemplate;
const stateless = built.statelessTemplate;

const tableByPrefix = (prefix: string): CfnResourceJson => {
  const found = Object.entries(resourcesOfType(stateful, 'AWS::DynamoDB::Table')).find(([id]) =>
    id.startsWith(prefix),
  );
  if (!found) throw new Error(`table ${prefix} not found`);
  return found[1];
};

const expectedTable = (definition: TableDefinition) => {
  const names = [
    definition.partitionKey,
    ...(definition.sortKey ? [definition.sortKey] : []),
    ...definition.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey, KeyType: 'RANGE' }] : []),
    ],
    AttributeDefinitions: [...new Set(names)].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: definition.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection:
        index.projection.type === 'INCLUDE'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.attributes] }
          : { ProjectionType: index.projection.type },
    })),
  };
};

describe('drift between the stacks and the shared resource definitions', () => {
  it.each([
    ['StateTable', STATE_TABLE],
    ['RecordsTable', RECORDS_TABLE],
  ] as const)('%s has exactly the keys and indexes of its definition', (prefix, definition) => {
    // Act
    const table = tableByPrefix(prefix).Properties ?? {};

    // Assess
    expect({
      KeySchema: table.KeySchema,
      AttributeDefinitions: table.AttributeDefinitions,
      GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
    }).toEqual(expectedTable(definition));
  });

  it.each(QUEUES.map((definition) => [definition.id, definition] as const))(
    'the %s queue has the visibility and redrive count of its definition, and its consumer the batch size and timeout',
    (queueId, definition) => {
      // Prepare
      const queues = resourcesOfType(stateful, 'AWS::SQS::Queue');
      const prefix = `${queueId.charAt(0).toUpperCase()}${queueId.slice(1)}Queue`;
      const [logicalId, queue] =
        Object.entries(queues).find(([id]) => id.startsWith(prefix) && !id.includes('DeadLetters')) ?? [];
      const mapping = Object.values(resourcesOfType(stateless, 'AWS::Lambda::EventSourceMapping')).find(
        (candidate) => JSON.stringify(candidate.Properties?.EventSourceArn).includes(`${logicalId}`),
      );
      const consumer = resourcesOfType(stateless, 'AWS::Lambda::Function')[
        (mapping?.Properties?.FunctionName as { Ref: string } | undefined)?.Ref ?? ''
      ];

      // Assess
      expect(queue?.Properties?.VisibilityTimeout).toBe(definition.visibilityTimeoutSeconds);
      expect(queue?.Properties?.RedrivePolicy).toMatchObject({ maxReceiveCount: definition.maxReceiveCount });
      expect(mapping?.Properties?.BatchSize).toBe(definition.batchSize);
      expect(consumer?.Properties?.Timeout).toBe(definition.functionTimeoutSeconds);
      expect(definition.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
        6 * definition.functionTimeoutSeconds,
      );
    },
  );

  it('notifies the intake queue for exactly the upload prefix the code expects', () => {
    const [notifications] = Object.values(resourcesOfType(stateful, 'Custom::S3BucketNotifications'));
    expect(JSON.stringify(notifications?.Properties?.NotificationConfiguration)).toContain(
      `{"Name":"prefix","Value":"${UPLOAD_NOTIFICATION_PREFIX}"}`,
    );
  });
});

// ---- Environment against the settings each handler parses ----

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/** The settings schema each stage exports and its handler parses at cold start. */
const SETTINGS_OF: Record<keyof HandlerEntries, z.ZodObject> = {
  'validate-file': validateFileSettings,
  'process-chunk': processChunkSettings,
  'finalize-import': finalizeImportSettings,
  api: apiSettings,
  watchdog: watchdogSettings,
  'email-ingest': emailIngestSettings,
  'pre-token-generation': preTokenGenerationSettings,
};

type Templates = { stateful: Record<string, unknown>; stateless: Record<string, unknown> };

/**
 * Resolves a CloudFormation value to the string it would become when deployed, with realistic placeholders:
 * a queue's Ref is a queue URL, a table's Ref its name, a secret's Ref its ARN, and an output of the other
 * stack is looked up in that stack.
 */
const resolveValue = (value: unknown, templates: Templates, own: 'stateful' | 'stateless'): string => {
  const resources = (templates[own].Resources ?? {}) as Record<string, CfnResourceJson>;
  const recurse = (inner: unknown) => resolveValue(inner, templates, own);
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const node = value as Record<string, unknown>;
  const join = node['Fn::Join'];
  if (Array.isArray(join)) {
    return (join[1] as unknown[]).map(recurse).join(String(join[0]));
  }
  if (typeof node.Ref === 'string') {
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const known = pseudo[node.Ref];
    if (known) return known;
    const type = resources[node.Ref]?.Type;
    if (type === 'AWS::SQS::Queue') return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${node.Ref}`;
    if (type === 'AWS::DynamoDB::Table') return `bulkimports-${node.Ref.toLowerCase()}`;
    if (type === 'AWS::Cognito::UserPool') return `${REGION}_AbCdEf123`;
    if (type === 'AWS::Cognito::UserPoolClient') return '4example0client0id0abcdefg';
    if (type === 'AWS::SecretsManager::Secret')
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${node.Ref}-AbCdEf`;
    throw new Error(`No placeholder for a Ref to ${node.Ref} (${type})`);
  }
  const output = node['Fn::GetStackOutput'] as { OutputName?: string } | undefined;
  if (output?.OutputName) {
    const outputs = (templates.stateful.Outputs ?? {}) as Record<string, { Value: unknown }>;
    const exported = outputs[output.OutputName];
    if (!exported) throw new Error(`The stateful stack has no output ${output.OutputName}`);
    return resolveValue(exported.Value, templates, 'stateful');
  }
  throw new Error(`No placeholder for ${JSON.stringify(value)}`);
};

const environmentOf = (templates: Templates, logicalId: string): Record<string, string> => {
  const fn = (templates.stateless.Resources as Record<string, CfnResourceJson>)[logicalId];
  const variables =
    (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, resolveValue(value, templates, 'stateless')]),
  );
};

/** Set by the Lambda service, not by the stack (and reserved: a stack may not set it). */
const LAMBDA_PROVIDED = { AWS_REGION: REGION };
/** Set for every function by the Lambda construct, outside the handlers' settings. */
const RUNTIME_ONLY = new Set(['NODE_OPTIONS']);

const checkEnvironment = (templates: Templates, logicalId: string, stage: keyof HandlerEntries) => {
  const schema = SETTINGS_OF[stage];
  const env = environmentOf(templates, logicalId);
  const parsed = schema.safeParse({ ...env, ...LAMBDA_PROVIDED });
  const unknownNames = Object.keys(env).filter((name) => !(name in schema.shape) && !RUNTIME_ONLY.has(name));
  return { parsed, unknownNames, env };
};

describe('drift between each function environment and the settings its handler parses', () => {
  const templates: Templates = { stateful: stateful.toJSON(), stateless: stateless.toJSON() };
  const cases: [string, keyof HandlerEntries][] = [
    ['ValidateFile', 'validate-file'],
    ['ProcessChunk', 'process-chunk'],
    ['FinalizeImport', 'finalize-import'],
    ['Api', 'api'],
    ['Watchdog', 'watchdog'],
  ];

  it.each(cases)(
    '%s starts: its environment satisfies the handler settings schema, with nothing extra',
    (name, stage) => {
      // Act
      const { parsed, unknownNames } = checkEnvironment(templates, functionId(stateless, name), stage);

      // Assess
      expect(
        parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      ).toEqual([]);
      expect(unknownNames).toEqual([]);
    },
  );

  it('gives the API the ARN of a cursor secret generated at deploy time, never the key', () => {
    const { env } = checkEnvironment(templates, functionId(stateless, 'Api'), 'api');
    expect(env.CURSOR_SECRET).toBeUndefined();
    expect(env.CURSOR_SECRET_ARN).toMatch(/^arn:/);
    expect(env.AUTH_ISSUER).toBe(`https://cognito-idp.${REGION}.amazonaws.com/${REGION}_AbCdEf123`);
  });

  it('would catch a missing setting: a handler needing the auth settings fails on a pipeline function', () => {
    // Prepare: the finalize function's environment against a schema that also wants the auth settings.
    const env = environmentOf(templates, functionId(stateless, 'FinalizeImport'));
    const demanding = apiSettings;

    // Act
    const parsed = demanding.safeParse(env);

    // Assess
    expect(parsed.success).toBe(false);
  });

  describe('with email imports', () => {
    const withMail = synthesizeTestApp({ importDomain: 'imports.example.com' });
    const mailTemplates: Templates = {
      stateful: withMail.statefulTemplate.toJSON(),
      stateless: withMail.statelessTemplate.toJSON(),
    };
    const mailCases: [string, keyof HandlerEntries][] = [
      ['EmailIngest', 'email-ingest'],
      ['ValidateFile', 'validate-file'],
      ['FinalizeImport', 'finalize-import'],
    ];

    it.each(mailCases)('%s starts, with nothing extra in its environment', (name, stage) => {
      // Act
      const { parsed, unknownNames } = checkEnvironment(
        mailTemplates,
        functionId(withMail.statelessTemplate, name),
        stage,
      );

      // Assess
      expect(
        parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      ).toEqual([]);
      expect(unknownNames).toEqual([]);
    });

    it('gives finalize-import the address replies come from', () => {
      const { env } = checkEnvironment(
        mailTemplates,
        functionId(withMail.statelessTemplate, 'FinalizeImport'),
        'finalize-import',
      );
      expect(env.REPLY_FROM).toBe('no-reply@imports.example.com');
    });
  });
});
