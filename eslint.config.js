import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The kit's rooms, lower first: lib -> plan -> cdc | proxy -> rollout -> report -> cli. A room
// imports only from rooms below it (tests included: a test that needs another room goes through
// test-support/). cdc and proxy are siblings; the proxy never imports the control plane or the
// report. stack/, test-support/, bench/ and the example sit outside the rooms.
const FORBIDDEN = {
  lib: ['plan', 'cdc', 'proxy', 'rollout', 'report', 'cli'],
  plan: ['cdc', 'proxy', 'rollout', 'report', 'cli'],
  cdc: ['proxy', 'rollout', 'report', 'cli'],
  proxy: ['cdc', 'rollout', 'report', 'cli'],
  rollout: ['proxy', 'report', 'cli'],
  report: ['proxy', 'cli'],
};

function roomPatterns(room) {
  return FORBIDDEN[room].map((other) => ({
    group: [`**/${other}/**`],
    message: `${room}/ may not import ${other}/: a room imports only from the rooms below it (lib -> plan -> cdc | proxy -> rollout -> report -> cli; see eslint.config.js).`,
  }));
}

function roomRules() {
  return Object.keys(FORBIDDEN).map((room) => ({
    files: [`${room}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: roomPatterns(room) }] },
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.ficus/**', 'reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...roomRules(),
  {
    // Pure proxy modules never import the web framework: only the wiring file and plugins may.
    files: ['proxy/**/*.ts'],
    ignores: ['proxy/server/**', 'proxy/**/*.test.ts', 'proxy/**/*.e2e.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['express'], patterns: roomPatterns('proxy') }],
    },
  },
  {
    files: ['bin/**/*.js', 'test-support/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
