/** Two projects: fast unit/contract tests, and interop tests that drive real redis-server and Python Celery. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
module.exports = {
  // No watchman here; and crawl only the folders that hold tests and sources (not .venv, dist, node_modules/.cache).
  watchman: false,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/src', '<rootDir>/test'],
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
    {
      // The documented examples (examples/testing/): they import 'celeriac' and 'celeriac/testing' as users do.
      displayName: 'examples',
      testEnvironment: 'node',
      roots: ['<rootDir>/src', '<rootDir>/examples'],
      transform,
      testMatch: ['<rootDir>/examples/testing/**/*.test.ts'],
      moduleNameMapper: { '^celeriac$': '<rootDir>/src/index.ts', '^celeriac/testing$': '<rootDir>/src/testing/index.ts' },
    },
    {
      displayName: 'interop',
      testEnvironment: 'node',
      roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/interop-tests'],
      transform,
      testMatch: ['<rootDir>/interop-tests/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/helpers/interop-timeout.ts'],
    },
  ],
};
