// jest 27 and ts-jest 27, the versions Segment's monorepo runs. One project per kind of test, each configured as the
// monorepo configures the package its folder is exported to, so a test that passes here passes there.

/** Options every project shares. */
const common = {
  preset: 'ts-jest',
  // As the monorepo's packages: compile each file on its own, without type-checking (`npx tsc --noEmit` does that).
  globals: { 'ts-jest': { isolatedModules: true } },
  restoreMocks: true
}

/** @type {import('@jest/types').Config.InitialOptions} */
module.exports = {
  // The whole run gets a temp dir of its own, and fails at the end if a test left a folder of its own in it.
  globalSetup: '<rootDir>/test/temp-dir-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  projects: [
    {
      // packages/destination-actions: every file under __tests__ is a suite, except under __tests__/__helpers__/.
      ...common,
      displayName: 'destination',
      roots: ['<rootDir>/src/destinations', '<rootDir>/src/shared'],
      testEnvironment: 'node',
      testPathIgnorePatterns: ['/node_modules/', '__tests__/__helpers__/'],
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts']
    },
    {
      // packages/browser-destinations: jsdom, its options and its setup; every file under __tests__ is a suite.
      ...common,
      displayName: 'browser',
      roots: ['<rootDir>/src/browser-destinations'],
      testEnvironment: 'jsdom',
      testEnvironmentOptions: { runScripts: 'dangerously', resources: 'usable', url: 'https://segment.com' },
      // jest 27 ignores package.json `exports`, through which alone the subpaths of these packages resolve (the
      // runtime's, and actions-core's that the runtime loads); the monorepo maps them to their sources.
      moduleNameMapper: {
        '^@segment/browser-destination-runtime/(.*)$':
          '<rootDir>/node_modules/@segment/browser-destination-runtime/dist/cjs/$1',
        '^@segment/actions-core/(.*)$': '<rootDir>/node_modules/@segment/actions-core/dist/cjs/$1'
      },
      setupFilesAfterEnv: ['<rootDir>/test/browser-setup.ts', '<rootDir>/test/setup.ts']
    },
    {
      // The project's own tests (CLI, fuzzing, the device-mode end-to-end test), not exported.
      ...common,
      displayName: 'project',
      roots: ['<rootDir>/src/cli', '<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testEnvironment: '<rootDir>/test/node-environment.ts',
      resolver: '<rootDir>/test/resolver.js',
      // Chooses the Chromium the browser tests drive, once per run, when a suite of this project runs.
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts']
    }
  ]
}
