import type { SQSEvent } from 'aws-lambda';
import { sqsRecord } from '../../helpers/sqs-records';

const SETTINGS = {
  AWS_REGION: 'eu-west-1',
  BUCKET_NAME: 'imports-bucket',
  STATE_TABLE: 'imports-state',
  RECORDS_TABLE: 'imports-records',
  INTAKE_QUEUE_URL: 'http://localhost:4566/000000000000/intake',
  LOG_LEVEL: 'ERROR',
  // Powertools' dev mode logs through the global console, which the test can capture.
  POWERTOOLS_DEV: 'true',
};

const withEnv = async <T>(env: Record<string, string>, load: () => Promise<T>): Promise<T> => {
  const saved = { ...process.env };
  for (const key of Object.keys(SETTINGS)) delete process.env[key];
  Object.assign(process.env, env);
  try {
    let loaded: T | undefined;
    await jest.isolateModulesAsync(async () => {
      loaded = await load();
    });
    if (loaded === undefined) throw new Error('module did not load');
    return loaded;
  } finally {
    process.env = saved;
  }
};

describe('finalize-import handler', () => {
  it('fails loudly at cold start when a setting is missing', async () => {
    // Prepare
    const { BUCKET_NAME: _missing, ...incomplete } = SETTINGS;

    // Act
    const loading = withEnv(incomplete, () => import('../../../lambdas/finalize-import/handler'));

    // Assess
    await expect(loading).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining('BUCKET_NAME'),
    });
  });

  it('reports a message that is not a FinalizeMessage as a batch item failure', async () => {
    // Prepare
    const { handler } = await withEnv(SETTINGS, () => import('../../../lambdas/finalize-import/handler'));
    const event: SQSEvent = {
      Records: [sqsRecord('not-finalize', JSON.stringify({ kind: 'chunk', importId: 'x' }))],
    };

    const output = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // Act
    const response = await handler(event);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'not-finalize' }]);
    const logged = output.mock.calls.map(([line]) => JSON.parse(String(line)));
    output.mockRestore();
    expect(logged).toEqual([
      expect.objectContaining({ level: 'ERROR', service: 'finalize-import', messageId: 'not-finalize' }),
    ]);
  });
});
