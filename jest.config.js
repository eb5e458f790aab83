/** Two projects: fast unit/contract tests, and interop tests that drive real redis-server and Python Celery. */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] };
module.exports = {
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
    },
    {
      displayName: 'interop',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/interop-tests/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/helpers/interop-timeout.ts'],
    },
  ],
};
