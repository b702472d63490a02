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
  {
    files: ['bin/**/*.js', 'test-support/**/*.js', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
