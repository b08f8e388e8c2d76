/** Jest projects: unit tests run in seconds; integration tests start real local stacks. */
// jose ships ESM only; jest runs tests as CommonJS, so it must be compiled like our own sources.
const transformIgnorePatterns = ['/node_modules/(?!jose/)'];

const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
  ],
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'infra',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 60,
    },
    {
      displayName: 'console',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/frontend/test/**/*.test.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      slowTestThreshold: 120,
    },
  ],
};
