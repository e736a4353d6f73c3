// ESLint flat config: typescript-eslint's recommended rules plus the project's boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'ioredis', 'bullmq', 'fastify', '@kubernetes/client-node', 'prom-client', 'pino',
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http',
  'https', 'node:https', 'child_process', 'node:child_process', 'dgram', 'node:dgram',
  'worker_threads', 'node:worker_threads', 'timers', 'node:timers', 'timers/promises', 'node:timers/promises',
];

const outsideShared = [
  { group: ['**/gateway/**', '**/gateway', '**/member-agent/**', '**/member-agent', '**/cli/**', '**/bin/**'],
    message: 'shared/ is the contract: it must not import gateway/, member-agent/ or the CLI.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', 'coverage/**', '.tap/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: outsideShared }] },
  },
  {
    // The scheduling core is a pure function of (snapshot, config, clock): no I/O, no time, no chance.
    files: ['shared/scheduling/**/*.ts', 'shared/resources/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules.map((name) => ({ name, message: 'The scheduling core does no I/O.' })), patterns: outsideShared }],
      'no-restricted-syntax': ['error',
        { selector: 'AwaitExpression', message: 'The scheduling core is synchronous: no await.' },
        { selector: 'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'The scheduling core is synchronous: no async functions.' },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'Use the clock passed to the cycle, not Date.now.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the clock passed to the cycle, not new Date().' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'The core is deterministic: no Math.random.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
