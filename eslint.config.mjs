// @ts-check
// Nest 11's `nest new` config (type-aware typescript-eslint + Prettier), for the whole workspace:
// the library, the demo, the tests and the bench (all in tsconfig.json), plus the plain CommonJS
// scripts, which are linted without type information.
import eslint from '@eslint/js';
import eslintPluginPrettierRecommended from 'eslint-plugin-prettier/recommended';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'eslint.config.mjs',
      '**/node_modules/**',
      'dist/**',
      'coverage/**',
      'docs/**',
      'bench/results/**',
      '.tmp/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  eslintPluginPrettierRecommended,
  {
    languageOptions: {
      globals: {
        ...globals.node,
        ...globals.jest,
      },
      sourceType: 'commonjs',
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      'prettier/prettier': ['error', { endOfLine: 'auto' }],
    },
  },
  {
    // Jest specs: @types/jest types the asymmetric matchers (expect.any, expect.stringMatching,
    // expect.objectContaining, expect.arrayContaining) as `any`, and they belong inside the expected
    // objects, so every `{ id: expect.any(String) }` reads as an unsafe assignment. Any other use of
    // an `any` in a spec is still caught by the other no-unsafe-* rules.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The scripts, jest.config.js and jest's global setup are plain CommonJS outside tsconfig.json:
    // no type information, and require() is their module system, not a TypeScript import to prefer.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'commonjs',
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
