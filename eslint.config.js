import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import { importX } from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'canvas-ui/dist/',
      'simulator/dist/',
      'data/',
      'bench/results/',
      'sfdx-project/force-app/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through server/src/config.ts only.' },
      ],
    },
  },
  {
    // No import cycles anywhere (server, UI, simulator, tests, benchmarks): a shared piece
    // belongs in the folder that owns it, not in whichever module imported it first.
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Config is the one place that reads the environment; scripts and tests pass it in.
    files: [
      'server/src/config.ts',
      'simulator/src/cli.ts',
      'simulator/scripts/**',
      'simulator/test/**',
      'test/**',
      'bench/**',
      '.ci/**',
      'vitest.config.ts',
      'sfdx-project/scripts/**',
      'canvas-ui/vite.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
)
