import { apiUrl, ConfigError, parseConsoleConfig } from '../src/config';

describe('parseConsoleConfig', () => {
  it('reads the local stack configuration', () => {
    // Act
    const config = parseConsoleConfig({ apiUrl: '', localSignIn: { users: ['admin', 'viewer'] } });

    // Assess
    expect(config).toEqual({ kind: 'local', apiUrl: '', localSignIn: { users: ['admin', 'viewer'] } });
  });

  it('reads the configuration the CDK stack deploys', () => {
    // Prepare
    const deployed = {
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_Abc',
      clientId: 'client',
      authDomain: 'https://bulk-imports-1.auth.eu-west-1.amazoncognito.com',
      scopes: ['openid', 'bulk-imports/admin'],
    };

    // Act
    const config = parseConsoleConfig(deployed);

    // Assess
    expect(config).toEqual({ kind: 'cognito', ...deployed });
    expect(apiUrl(config, '/api/imports')).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/api/imports',
    );
  });

  it('names what is missing from a configuration it cannot use', () => {
    // Act
    const parse = () => parseConsoleConfig({ apiUrl: 'https://api.example.com', region: 'eu-west-1' });

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/userPoolId/);
  });
});
