/** One jest run for the library specs (libs/jobs) and the demo's e2e tests (test/). */
module.exports = {
  rootDir: '.',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: ['libs/jobs/.*\\.spec\\.ts$', 'test/.*\\.e2e-spec\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^nestjs-jobs$': '<rootDir>/libs/jobs/src',
    // Entry points for features with optional peer dependencies (prom-client, @nestjs/terminus).
    '^nestjs-jobs/(metrics|health)$': '<rootDir>/libs/jobs/src/$1',
  },
  testEnvironment: 'node',
  // `npm run build` writes dist/libs/jobs/package.json, a second "nestjs-jobs" that jest's module map rejects.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  testTimeout: 30_000,
};
