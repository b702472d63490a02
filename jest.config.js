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
  testPathIgnorePatterns: ['/node_modules/', '/\\.ficus[^/]*/', '/dist/'],
  // The stack's state (FICUS_HOME, `.ficus` by default) holds PostgreSQL's own `.snap` files
  // (pg_logical/snapshots): jest must not take them for test snapshots, nor dist/ for modules.
  modulePathIgnorePatterns: ['<rootDir>/\\.ficus', '<rootDir>/dist/'],
};

// `npm test` runs in two phases (FICUS_TESTS): everything but the walkthrough, then the
// walkthrough alone. It is the demo, and its rollout is judged by the latency gate: beside the
// sink's heavy suites on two cores the gate rightly saw the service slower (p99 240 ms against
// 100) and rolled back. Unset, every test runs at once.
const WALKTHROUGH = '/walkthrough/walkthrough\\.e2e\\.test\\.ts$';
const phase = globalThis.process.env.FICUS_TESTS;
const e2eMatch =
  phase === 'walkthrough'
    ? { testMatch: ['<rootDir>/walkthrough/walkthrough.e2e.test.ts'] }
    : { testMatch: ['<rootDir>/**/*.e2e.test.ts'] };
const e2eIgnore =
  phase === 'rest'
    ? [...common.testPathIgnorePatterns, WALKTHROUGH]
    : common.testPathIgnorePatterns;

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
      ...e2eMatch,
      testPathIgnorePatterns: e2eIgnore,
      globalSetup: '<rootDir>/test-support/stack-global-setup.ts',
      globalTeardown: '<rootDir>/test-support/stack-global-teardown.ts',
    },
  ],
};
