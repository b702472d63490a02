import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // Pure proxy modules never import the web framework: only the wiring file and plugins may.
    files: ['proxy/**/*.ts'],
    ignores: ['proxy/server/**', 'proxy/**/*.test.ts', 'proxy/**/*.e2e.test.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['express'] }] },
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
  // The kit coordinates processes through state (the kit DB, Unleash), never through the embedded
  // stack's process manager: only `ficus stack` (cli/commands/stack.ts) and the walkthrough start
  // processes. (proxy/ has a rule of its own above; it imports no stack/ either.)
  {
    files: ['rollout/**/*.ts', 'cdc/**/*.ts', 'plan/**/*.ts', 'lib/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)stack/',
              message:
                'the kit does not import the embedded stack: read addresses through lib/config, coordinate workers through the kit DB (cdc/fleet/).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'test-support/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
