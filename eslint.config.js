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

// The kit never imports the example (the shop) nor the embedded stack: it runs against a user's
// own systems. Its doors to them are the commands that exist for them (`ficus seed`, `ficus
// walkthrough`, `ficus stack`); what else the kit needs of the example (`ficus migrate legacy`'s
// folder and role) comes from the configuration the stack writes. Neither a static import nor an
// `import()` may reach them (no-restricted-imports sees only the first). Tests may use
// test-support/, which reaches the stack.
const OUTSIDE_THE_KIT = [
  'stack',
  'monolith',
  'extracted',
  'shop-shared',
  'walkthrough',
  'library',
  'test-support',
];
const KIT_ROOMS = [...Object.keys(FORBIDDEN), 'cli'];
const DOORS = ['cli/commands/seed.ts', 'cli/commands/walkthrough.ts', 'cli/commands/stack.ts'];
const TESTS = ['**/*.test.ts'];

const outsidePatterns = (room) =>
  OUTSIDE_THE_KIT.map((other) => ({
    group: [`**/${other}/**`],
    message: `${room}/ is the kit and may not import ${other}/: the kit runs on a user's systems, not on the example or the embedded stack (see eslint.config.js).`,
  }));

const patternsOf = (room) => [
  ...(FORBIDDEN[room] ? roomPatterns(room) : []),
  ...outsidePatterns(room),
];

// `import('../../monolith/config.ts')`: the same line, drawn for the imports made at run time
const lazyOutsideImports = (room) => [
  'error',
  {
    selector: `ImportExpression[source.value=/(^|\\/)(${OUTSIDE_THE_KIT.join('|')})\\//]`,
    message: `${room}/ is the kit and may not import the example or the embedded stack, not even lazily: take what it needs from the configuration (see eslint.config.js).`,
  },
];

function roomRules() {
  return KIT_ROOMS.flatMap((room) => [
    {
      files: [`${room}/**/*.ts`],
      ignores: [...TESTS, ...DOORS],
      rules: {
        'no-restricted-imports': ['error', { patterns: patternsOf(room) }],
        'no-restricted-syntax': lazyOutsideImports(room),
      },
    },
    ...(FORBIDDEN[room]
      ? [
          {
            files: TESTS.map((t) => `${room}/${t}`),
            rules: { 'no-restricted-imports': ['error', { patterns: roomPatterns(room) }] },
          },
        ]
      : []),
  ]);
}

export default tseslint.config(
  { ignores: ['node_modules/**', '.ficus/**', 'reports/**', 'coverage/**', 'dist/**'] },
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
      'no-restricted-imports': ['error', { paths: ['express'], patterns: patternsOf('proxy') }],
    },
  },
  // The example's halves stay apart, so that at `complete` the monolith can be deleted: the
  // extracted services never import the monolith, nor the monolith a service, and the module both
  // share (shop-shared/) imports neither. Test harnesses that need both live in test-support/.
  ...[
    ['extracted', ['monolith']],
    ['monolith', ['extracted']],
    ['shop-shared', ['monolith', 'extracted']],
  ].map(([folder, forbidden]) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((other) => ({
            regex: `(^|/)${other}/`,
            message: `${folder}/ may not import from ${other}/: move what both need to shop-shared/, or the harness to test-support/.`,
          })),
        },
      ],
    },
  })),
  {
    files: ['bin/**/*.js', 'test-support/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
