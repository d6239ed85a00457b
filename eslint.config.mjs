// Lint: ESLint's and typescript-eslint's recommended rules, without type information (type-aware
// rules would type-check the 1.5 MB of generated CRD bindings on every run; `tsc --noEmit` already
// does that once).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Imports point one way: lib/ (pure helpers and facts) ← config/, constructs/, policy/ ← pipeline/
 * (build, render, write, plan) ← cli/ ← main.ts. Each folder may not import the folders above it.
 */
const ABOVE = {
  lib: ['config', 'constructs', 'policy', 'pipeline', 'cli', 'bench', 'scripts', 'main'],
  config: ['pipeline', 'cli', 'bench', 'scripts', 'main'],
  constructs: ['pipeline', 'cli', 'bench', 'scripts', 'main'],
  policy: ['pipeline', 'cli', 'bench', 'scripts', 'main'],
  pipeline: ['cli', 'bench', 'scripts', 'main'],
  cli: ['bench', 'scripts', 'main'],
};
const importDirection = Object.entries(ABOVE).map(([folder, above]) => ({
  files: [`${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        regex: `^(\\.\\./)+(${above.join('|')})(/|$)`,
        message: `${folder}/ may not import ${above.join(', ')}: imports point one way (lib ← config, constructs, policy ← pipeline ← cli ← main.ts)`,
      }],
    }],
  },
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'imports/**/*.ts', 'flux/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreComments: false }],
      'quotes': ['error', 'single', { avoidEscape: true }],
      'semi': ['error', 'always'],
      'eqeqeq': ['error', 'always'],
      'no-console': 'error',
    },
  },
  ...importDirection,
  {
    // Tests build and break manifests freely: untyped data is the point.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '*.config.js'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', __filename: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
