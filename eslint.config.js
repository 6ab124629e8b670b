// @ts-check
const eslint = require('@eslint/js')
const tseslint = require('typescript-eslint')
const globals = require('globals')

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'eslint.config.js', 'jest.config.js', 'test/resolver.js'] },
  // Upstream destinations vendored for the bundle benchmark, kept as published.
  { ignores: ['bench/peers/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Express tells error handlers apart by their four parameters, used or not.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    // The tester page's plain script: served as is to the browser, no build step.
    files: ['src/cli/server/tester/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'script', globals: globals.browser }
  }
)
