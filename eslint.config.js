// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const banned = (names) => ({
  paths: ['lmdb', 'pino', 'prom-client', 'node:http', 'http'].map((name) => ({
    name,
    message: 'Only @sluice/adapters may import I/O libraries: take a port from @sluice/core.',
  })),
  patterns: [
    // The exported entries only: `.` and `./testing` (the store contract suite).
    { group: ['@sluice/*/*', '!@sluice/*/testing'], message: 'Import packages through their exported entries only.' },
    ...names.map((name) => ({ group: [name], message: 'This package may not depend on an outer layer.' })),
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/unified-signatures': 'off',
      'no-console': 'error',
      '@typescript-eslint/no-invalid-void-type': 'off',
    },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['examples/**/*.ts', 'packages/adapters/src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  { files: ['packages/core/**/*.ts'], rules: { 'no-restricted-imports': ['error', banned(['@sluice/fsm', '@sluice/runtime', '@sluice/adapters', 'xstate', 'rxjs'])] } },
  { files: ['packages/fsm/**/*.ts'], rules: { 'no-restricted-imports': ['error', banned(['@sluice/runtime', '@sluice/adapters'])] } },
  { files: ['packages/runtime/**/*.ts'], rules: { 'no-restricted-imports': ['error', banned(['@sluice/adapters', 'xstate'])] } },
);
