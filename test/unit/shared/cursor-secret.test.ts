import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { cursorSecretSource } from '../../../lambdas/shared/composition-root';

/** The API's paging-cursor key: inline locally, from Secrets Manager on AWS, never both. */

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:CursorSecret-AbCdEf';
const KEY = 'k'.repeat(64);
const secrets = mockClient(SecretsManagerClient);
const aws = { AWS_REGION: 'eu-west-1', LOG_LEVEL: 'ERROR' as const };

beforeEach(() => secrets.reset());

describe('cursorSecretSource', () => {
  it('reads the key from Secrets Manager on first use and keeps it for the life of the instance', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: KEY });
    const read = cursorSecretSource({ ...aws, CURSOR_SECRET_ARN: ARN });

    // Act
    const values = [await read(), await read(), await read()];

    // Assess
    expect(values).toEqual([KEY, KEY, KEY]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('tries a failed read again on the next request instead of keeping the failure', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejectsOnce(new Error('throttled')).resolves({ SecretString: KEY });
    const read = cursorSecretSource({ ...aws, CURSOR_SECRET_ARN: ARN });

    // Act / Assess
    await expect(read()).rejects.toThrow('throttled');
    expect(await read()).toBe(KEY);
  });

  it('refuses a stored key under 32 characters, naming the secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(cursorSecretSource({ ...aws, CURSOR_SECRET_ARN: ARN })()).rejects.toThrow(
      `The secret ${ARN} must hold a cursor key of at least 32 characters`,
    );
  });

  it('uses the inline key without calling Secrets Manager (the local stack)', async () => {
    expect(await cursorSecretSource({ ...aws, CURSOR_SECRET: KEY })()).toBe(KEY);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it('fails at once when neither or both are set', () => {
    expect(() => cursorSecretSource(aws)).toThrow(/Invalid configuration: CURSOR_SECRET: Required/);
    expect(() => cursorSecretSource({ ...aws, CURSOR_SECRET: KEY, CURSOR_SECRET_ARN: ARN })).toThrow(
      /both set/,
    );
  });
});
