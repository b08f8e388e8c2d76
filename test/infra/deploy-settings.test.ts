import { parseDeploySettings } from '../../lib/deploy-settings';

const fromContext = (context: Record<string, unknown>) => () => parseDeploySettings((key) => context[key]);

describe('deploy settings from CDK context', () => {
  it('has defaults that deploy without any context', () => {
    // Act
    const settings = parseDeploySettings(() => undefined);

    // Assess
    expect(settings).toEqual({
      stackPrefix: 'BulkImports',
      importAddresses: [],
      retentionDays: 90,
      logRetentionDays: 30,
      chunkMaxConcurrency: 20,
      importsInFlight: 3,
    });
  });

  it('reads command-line strings: numbers and comma-separated addresses', () => {
    // Act
    const settings = fromContext({
      importDomain: 'Imports.Example.com',
      importAddresses: 'Users@imports.example.com, departments@imports.example.com',
      retentionDays: '30',
      chunkMaxConcurrency: '50',
    })();

    // Assess
    expect(settings).toMatchObject({
      importDomain: 'imports.example.com',
      importAddresses: ['users@imports.example.com', 'departments@imports.example.com'],
      retentionDays: 30,
      chunkMaxConcurrency: 50,
    });
  });

  it('accepts arrays from cdk.json as well', () => {
    const settings = fromContext({
      importDomain: 'imports.example.com',
      importAddresses: ['a@imports.example.com'],
    })();
    expect(settings.importAddresses).toEqual(['a@imports.example.com']);
  });

  it.each([
    [{ consoleDomain: 'console.example.com' }, /consoleDomain and consoleCertificateArn go together/],
    [
      {
        consoleDomain: 'console.example.com',
        consoleCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      },
      /us-east-1/,
    ],
    [{ importAddresses: 'users@imports.example.com' }, /importAddresses need an importDomain/],
    [
      { importDomain: 'imports.example.com', importAddresses: 'users@elsewhere.com' },
      /not an address at imports\.example\.com/,
    ],
    [{ logRetentionDays: '10' }, /logRetentionDays: not a retention CloudWatch Logs offers/],
    [{ chunkMaxConcurrency: '1' }, /chunkMaxConcurrency/],
    [{ stackPrefix: 'A-very-long-prefix-for-buckets' }, /stackPrefix/],
    [{ authDomainPrefix: 'my-cognito-login' }, /Cognito reserves/],
    [{ adminEmail: 'not-an-email' }, /adminEmail/],
  ])('rejects %o', (context, message) => {
    expect(fromContext(context)).toThrow(message);
  });

  it('names every problem at once', () => {
    // Act
    const message = (() => {
      try {
        fromContext({ retentionDays: '0', adminEmail: 'nope' })();
        return '';
      } catch (error) {
        return String(error);
      }
    })();

    // Assess
    expect(message).toMatch(/retentionDays: /);
    expect(message).toMatch(/adminEmail: /);
  });
});
