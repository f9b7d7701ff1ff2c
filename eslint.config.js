// The TypeScript linter for every workspace (`npm run lint`, part of `npm test`): ESLint's and typescript-eslint's
// recommended rules; generated and built files are not ours to lint.
'use strict';
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const globals = require('globals');

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/build/**', '**/node_modules/**', '**/target/**', 'ts-host/generated/**', 'deploy/prebuilt/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      // `_name` marks a parameter an interface requires and the implementation does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read decoded JSON and poke at internals; typing every probe would only restate what they assert.
    files: ['**/test/**', 'integration-tests/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // YAML in tests is matched by its indentation, which reads better as the spaces themselves.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
