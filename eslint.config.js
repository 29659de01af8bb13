// Lint: a small rule set that catches real bugs (docs/architecture.md "Checks"). Layering is
// checked by dependency-cruiser (.dependency-cruiser.cjs); the rules here that touch layers are the
// ones it cannot see: no environment reads in the pure layers, and function length.
import tseslint from 'typescript-eslint';

const PURE = ['src/domain/**', 'src/rules/**', 'src/engine/**', 'src/records/**', 'src/replay/**', 'src/risk/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.serverless/**', '.esbuild/**', 'out/**', 'test-output/**', 'coverage/**'] },
  {
    files: ['src/**/*.ts', 'handlers/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'no-fallthrough': 'error',
      'no-unreachable': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['src/**/*.ts', 'handlers/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
  {
    files: PURE,
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'The pure layers read no environment: pass the value in.' }],
      'no-restricted-globals': ['error', { name: 'process', message: 'The pure layers use no process state: pass what is needed in.' }],
    },
  },
);
