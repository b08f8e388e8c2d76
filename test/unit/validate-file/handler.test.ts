import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { userRow, usersCsv } from '../../helpers/factories';
import { sqsRecord } from '../../helpers/sqs-records';
import { createHarness, givenUpload, storedTask } from './harness';

const mockHarness = createHarness();

jest.mock('../../../lambdas/shared/composition-root', () =>
  jest.requireActual('../../helpers/composition-root-of').compositionRootOf(mockHarness),
);

describe('validate-file handler', () => {
  let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

  beforeAll(async () => {
    Object.assign(process.env, {
      BUCKET_NAME: 'imports',
      STATE_TABLE: 'imports-state',
      RECORDS_TABLE: 'imports-records',
      CHUNKS_QUEUE_URL: 'http://localhost:4566/000000000000/chunks',
      FINALIZE_QUEUE_URL: 'http://localhost:4566/000000000000/finalize',
      INTAKE_QUEUE_URL: 'http://localhost:4566/000000000000/intake',
    });
    ({ handler } = await import('../../../lambdas/validate-file/handler'));
  });

  it('validates uploads named by S3 notifications, acks test events and reports bad bodies as failures', async () => {
    // Prepare
    const task = await givenUpload(mockHarness, usersCsv([userRow(1), userRow(2)]));
    const event: SQSEvent = {
      Records: [
        sqsRecord('test', JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' })),
        sqsRecord(
          'upload',
          JSON.stringify({
            Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: task.objectKey } } }],
          }),
        ),
        sqsRecord('garbage', 'not json'),
      ],
    };

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'garbage' }] });
    expect((await storedTask(mockHarness, task.importId)).status).toBe('PROCESSING');
    expect(mockHarness.chunks.sent).toHaveLength(1);
  });
});
