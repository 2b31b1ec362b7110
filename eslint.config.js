/**
 * ESLint (flat config): JavaScript's and typescript-eslint's recommended rules, tuned to this codebase. Formatting is
 * Prettier's job (.prettierrc.json); nothing here is about layout. `npm run lint`.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const node = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'performance',
    'globalThis',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);
const browser = Object.fromEntries(
  ['window', 'document', 'fetch', 'console', 'location', 'URL', 'URLSearchParams', 'Headers', 'setTimeout', 'performance'].map((name) => [
    name,
    'readonly',
  ]),
);

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.build/', 'coverage/', 'reports/', '.stryker-tmp/', 'bench/results/', 'sample/data/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // The Nest layer reads untyped internals and metadata through `any` on purpose, each read commented.
      '@typescript-eslint/no-explicit-any': 'off',
      // `_name` for a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Nest types metatypes and reflected targets as `Function` (Reflector, Type, ModuleRef); the library follows it.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Decorated empty classes (`@Module({...}) class AppModule {}`) are how Nest declares modules.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Not consistent-type-imports: with emitDecoratorMetadata, Nest reads constructor parameter types at run time,
      // so an import used only as a type there is still a value import.
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: node },
  },
  {
    // Its page.evaluate() callbacks run in the browser.
    files: ['sample/playground/screenshot.mjs'],
    languageOptions: { globals: { ...node, document: 'readonly' } },
  },
  {
    files: ['sample/playground/playground.js'],
    languageOptions: { globals: browser, sourceType: 'script' },
  },
);
