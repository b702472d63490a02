// Two projects: `unit` (pure logic, fakes allowed) and `e2e` (real Postgres, Kafka, Connect,
// Unleash; the global setup starts the embedded stack unless one is already running).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
  ],
};
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  testPathIgnorePatterns: ['/node_modules/', '/.ficus/'],
};

export default {
  // A project-level testTimeout is ignored by jest; the e2e suites need minutes at most.
  testTimeout: 180_000,
  reporters: ['default', '<rootDir>/test-support/summary-line-reporter.js'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/**/*.test.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.e2e\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/test-support/stack-global-setup.ts',
      globalTeardown: '<rootDir>/test-support/stack-global-teardown.ts',
    },
  ],
};
