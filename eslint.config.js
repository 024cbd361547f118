import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'test-results/', 'playwright-report/', '.data/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Process boundaries: only src-main/app may import electron; core never imports app or server.
    files: ['src-main/core/**', 'src-main/server/**', 'src-main/cli.ts', 'shared/**', 'src-renderer/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/src-main/app/**', '**/app/*'] }] },
  },
  {
    files: ['src-main/core/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/server/**', '**/app/**'] }] },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': 'off',
      // Types of the contract are free; its values bring zod and every schema into the window's bundle.
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['electron', { name: 'zod', allowTypeImports: true }],
        patterns: [
          { group: ['**/src-main/**', '**/src-preload/**'] },
          { group: ['**/shared/contract/index.ts', '**/shared/contract/requests.ts', '**/shared/contract/uploadKey.ts', '**/shared/nodes.ts', '**/shared/plan.ts', '**/shared/replicas.ts'], allowTypeImports: true, message: 'These modules carry zod: import only their types here (ApiError comes from shared/contract/apiError.ts).' },
        ],
      }],
    },
  },
  {
    files: ['shared/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**', '**/test/**'] }] },
  },
);
