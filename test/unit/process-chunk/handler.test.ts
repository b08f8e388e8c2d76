import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { validateFile } from '../../../lambdas/validate-file/validate-file';
import { userRow, usersCsv } from '../../helpers/factories';
import { sqsRecord } from '../../helpers/sqs-records';
import { createHarness, givenUpload, storedTask } from '../validate-file/harness';

const mockHarness = createHarness();

jest.mock('../../../lambdas/shared/composition-root', () =>
  jest.requireActual('../../helpers/composition-root-of').compositionRootOf(mockHarness),
);

describe('process-chunk handler', () => {
  let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;

  beforeAll(async () => {
    Object.assign(process.env, {
      BUCKET_NAME: 'imports',
      STATE_TABLE: 'imports-state',
      RECORDS_TABLE: 'imports-records',
      CHUNKS_QUEUE_URL: 'http://localhost:4566/000000000000/chunks',
      FINALIZE_QUEUE_URL: 'http://localhost:4566/000000000000/finalize',
    });
    ({ handler } = await import('../../../lambdas/process-chunk/handler'));
  });

  it('processes chunk messages and reports the ones that fail as batch item failures', async () => {
    // Prepare
    const task = await givenUpload(mockHarness, usersCsv([userRow(1), userRow(2)]));
    await validateFile(mockHarness.validateDeps, task.objectKey);
    const [message] = mockHarness.chunks.sent;
    const event: SQSEvent = {
      Records: [
        sqsRecord('chunk', JSON.stringify(message)),
        sqsRecord('orphan', JSON.stringify({ ...message, importId: 'no-such-import' })),
        sqsRecord('not-a-chunk', JSON.stringify({ kind: 'finalize', importId: task.importId })),
      ],
    };

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual([
      'not-a-chunk',
      'orphan',
    ]);
    expect(await storedTask(mockHarness, task.importId)).toMatchObject({ processedRows: 2, successCount: 2 });
    expect(mockHarness.finalize.sent).toEqual([{ kind: 'finalize', importId: task.importId }]);
  });
});
