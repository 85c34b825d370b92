// Lint, plus the import-boundary check: the domain stays pure (no Firebase,
// no Slack, no Google Cloud clients, no I/O, no clock), and only adapters,
// app and triggers may reach the outside world.
import tseslint from 'typescript-eslint';

const outside = ['firebase-*', 'firebase-admin', 'firebase-admin/*', 'firebase-functions', 'firebase-functions/*', '@slack/*', '@google-cloud/*', 'express'];

export default tseslint.config(
  { ignores: ['lib/**', 'lib-tools/**', 'node_modules/**', '.emulators/**', 'console/dist/**', 'coverage/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  {
    files: ['functions/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: outside, message: 'The domain is pure: Firebase, Slack and Google Cloud belong in adapters/.' },
            { group: ['node:fs', 'fs', 'node:fs/*', 'node:http', 'node:https', 'node:net', 'node:child_process'], message: 'The domain does no I/O.' },
            { group: ['**/adapters/**', '**/app/**', '**/triggers/**', '../params', '**/params'], message: 'The domain depends on nothing outside it.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time comes in as an argument: no Date.now() in the domain.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time comes in as an argument: no new Date() in the domain.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Ids come in as arguments: no Math.random() in the domain.' },
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'The domain reads no environment.' },
      ],
    },
  },
  {
    files: ['functions/src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@slack/*'], message: 'Slack is reached through adapters/slack.' }, { group: ['**/triggers/**'], message: 'Use cases do not depend on triggers.' }] }],
    },
  },
  {
    files: ['functions/src/adapters/firebase.ts', 'functions/src/adapters/tasks.ts', 'functions/src/adapters/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // CommonJS preloads for the local tooling (scripts/lib/emulatorHttp.cjs).
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The bench's floor is a plain CommonJS functions codebase.
    files: ['bench/floor/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // CommonJS preloads of the local tooling (NODE_OPTIONS --require): require() is the point.
    files: ['scripts/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['scripts/**/*.mjs', 'test/**/*.mjs', 'bench/**/*.mjs', '.ci/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
  },
);
