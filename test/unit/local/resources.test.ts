import { queueDefinition, RECORDS_TABLE, STATE_TABLE } from '../../../lambdas/shared/resource-definitions';
import {
  createTableInput,
  rebuildableDrift,
  sourceQueueAttributes,
  tableDrift,
} from '../../../local/resources';

describe('local resources from the shared definitions', () => {
  it('creates the state table with its key, sort key, and indexes projecting only what their readers use', () => {
    // Act
    const input = createTableInput(STATE_TABLE, 'state');

    // Assess
    expect(input).toEqual({
      TableName: 'state',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
        { AttributeName: 'openpk', AttributeType: 'S' },
        { AttributeName: 'opensk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCreatedAt',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          // The imports list: the public fields of a task, never the pipeline's own (counted chunks…).
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [
              'importId',
              'templateId',
              'fileName',
              'source',
              'email',
              'status',
              'statusReason',
              'warnings',
              'createdBy',
              'createdAt',
              'startedAt',
              'endedAt',
              'fileSize',
              'totalRows',
              'processedRows',
              'successCount',
              'errorCount',
            ],
          },
        },
        {
          IndexName: 'byOpenStatus',
          KeySchema: [
            { AttributeName: 'openpk', KeyType: 'HASH' },
            { AttributeName: 'opensk', KeyType: 'RANGE' },
          ],
          // The watchdog reads each open task whole and consistently.
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('creates the records table without a sort key', () => {
    // Act
    const input = createTableInput(RECORDS_TABLE, 'records');

    // Assess
    expect(input.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(input.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byTemplate']);
  });

  it('finds no drift in a table made from the definition, and names a missing index', () => {
    // Prepare
    const made = createTableInput(STATE_TABLE, 'state');

    // Act
    const none = tableDrift(STATE_TABLE, made);
    const missing = tableDrift(STATE_TABLE, { ...made, GlobalSecondaryIndexes: [] });

    // Assess
    expect(none).toEqual([]);
    expect(missing).toEqual(['index byCreatedAt is missing', 'index byOpenStatus is missing']);
  });

  it('names an index whose projection differs from its definition (which a rebuild cures)', () => {
    // Prepare
    const made = createTableInput(STATE_TABLE, 'state');
    const allProjected = (made.GlobalSecondaryIndexes ?? []).map((index) => ({
      ...index,
      Projection: { ProjectionType: 'ALL' },
    }));

    // Act
    const drift = tableDrift(STATE_TABLE, { ...made, GlobalSecondaryIndexes: allProjected });

    // Assess
    expect(drift).toEqual([
      'index byCreatedAt projects other attributes',
      'index byOpenStatus projects other attributes',
    ]);
    expect(rebuildableDrift(drift)).toBe(true);
    expect(rebuildableDrift(['key schema is pk:HASH, expected pk:HASH,sk:RANGE'])).toBe(false);
  });

  it('gives a source queue the local visibility timeout and the deployed redrive count', () => {
    // Act
    const attributes = sourceQueueAttributes(queueDefinition('chunks'), 'arn:dlq', 30);

    // Assess
    expect(attributes).toEqual({
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:dlq', maxReceiveCount: '5' }),
    });
  });
});
