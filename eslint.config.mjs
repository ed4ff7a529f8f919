import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What follows the process's locale (LANG, LC_ALL): a run prints and writes the same bytes on every machine. */
const forbidLocale = [
  {
    selector: "CallExpression[callee.property.name=/^(localeCompare|toLocaleString|toLocaleDateString|toLocaleTimeString)$/]",
    message: "Follows the process's locale: sort with byCodeUnits (src/domain/text-order.ts), format numbers explicitly.",
  },
];

const forbidNondeterminism = {
  'no-restricted-properties': ['error',
    { object: 'Math', property: 'random', message: 'Use a named seeded stream from the Random service: runs must replay.' },
    { object: 'Date', property: 'now', message: 'Simulation time is virtual: read it from the scheduler.' },
    { object: 'performance', property: 'now', message: 'Simulation time is virtual: read it from the scheduler.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date']", message: 'Simulation time is virtual: no wall clock in domain or strategies.' },
    ...forbidLocale,
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'no-restricted-syntax': ['error', ...forbidLocale] } },
  { files: ['src/domain/**/*.ts', 'src/strategies/**/*.ts'], rules: forbidNondeterminism },
  {
    // CommonJS plugins (examples, test fixtures) load the way a user's would.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // ES-module plugins, library examples and scripts run on Node.
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
