import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

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
