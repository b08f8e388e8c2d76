import { QUEUES, RECORDS_TABLE, STATE_TABLE } from '../../lambdas/shared/resource-definitions';
import { createTableInput, deadLetterQueueAttributes, sourceQueueAttributes } from '../../local/resources';
import { consoleCorsRule } from '../../local/servers/cors';
import { propertiesOf, resourcesOfType, synthesizeTestApp } from './infra-app';

/**
 * The local stack must behave like the deployed one where the handlers can tell: same table keys and
 * indexes, same redrive counts, same dead-letter retention, same CORS rule for the console. Both sides are
 * built from shared definitions; this compares what each side actually builds.
 */

const template = synthesizeTestApp().statefulTemplate;

const cdkTable = (prefix: string) => {
  const found = Object.entries(resourcesOfType(template, 'AWS::DynamoDB::Table')).find(([id]) =>
    id.startsWith(prefix),
  );
  return propertiesOf(found?.[1]);
};

const cdkQueues = () => Object.entries(resourcesOfType(template, 'AWS::SQS::Queue'));

describe('local stack and CDK stack build the same resources', () => {
  it.each([
    ['StateTable', STATE_TABLE],
    ['RecordsTable', RECORDS_TABLE],
  ] as const)('%s: same keys, attribute types and indexes', (prefix, definition) => {
    // Prepare
    const local = createTableInput(definition, 'local-name');

    // Act
    const deployed = cdkTable(prefix);

    // Assess
    expect(deployed.KeySchema).toEqual(local.KeySchema);
    expect(deployed.AttributeDefinitions).toEqual(local.AttributeDefinitions);
    expect(deployed.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect(deployed.BillingMode).toBe(local.BillingMode);
  });

  it.each(QUEUES.map((definition) => [definition.id, definition] as const))(
    'the %s queue dead-letters after the same number of receives',
    (queueId, definition) => {
      // Prepare
      const local = JSON.parse(sourceQueueAttributes(definition, 'arn:local', 30).RedrivePolicy ?? '{}') as {
        maxReceiveCount: string;
      };
      const prefix = `${queueId.charAt(0).toUpperCase()}${queueId.slice(1)}Queue`;

      // Act
      const deployed = cdkQueues().find(([id]) => id.startsWith(prefix) && !id.includes('DeadLetters'));

      // Assess
      expect(propertiesOf(deployed?.[1]).RedrivePolicy).toMatchObject({
        maxReceiveCount: Number(local.maxReceiveCount),
      });
    },
  );

  it('keeps dead letters as long', () => {
    const deadLetterRetentions = cdkQueues()
      .filter(([id]) => id.includes('DeadLetters'))
      .map(([, queue]) => String(propertiesOf(queue).MessageRetentionPeriod));
    expect(new Set(deadLetterRetentions)).toEqual(
      new Set([deadLetterQueueAttributes().MessageRetentionPeriod]),
    );
  });

  it('answers the console with the same CORS rule, apart from the origin', () => {
    // Prepare
    const local = consoleCorsRule(3000);

    // Act
    const [deployed] = Object.entries(resourcesOfType(template, 'AWS::S3::Bucket'))
      .filter(([id]) => id.startsWith('Data'))
      .map(
        ([, bucket]) =>
          (propertiesOf(bucket).CorsConfiguration as { CorsRules: Record<string, unknown>[] }).CorsRules,
      );

    // Assess
    expect(deployed).toEqual([
      expect.objectContaining({
        AllowedMethods: [...local.allowedMethods],
        ExposedHeaders: [...local.exposeHeaders],
        MaxAge: local.maxAgeSeconds,
      }),
    ]);
  });
});
