/**
 * The library specs (libs/jobs) and the demo's e2e tests (test/), in three tiers (jest projects):
 * - unit: no Redis, no processes, seconds (`npm run test:unit`): `libs/jobs/src/**\/*.spec.ts`, beside
 *   what they test, and the type tests;
 * - integration: a real Redis, in process (`npm run test:integration`);
 * - system: worker processes, the browser, the packed package, Redis Cluster, soak, pools, faults,
 *   `npm start` and `npm run worker` (`npm run test:system`).
 * `npm test` runs all three in one jest run. The private Redis (globalSetup) belongs to the
 * integration and system projects only: jest runs a project's globalSetup only when a test of that
 * project runs, and once per file however many projects name it, so the unit tier never starts one.
 */
const SYSTEM = [
  // Worker processes, pools, Redis Cluster, faults and soak.
  '/libs/jobs/test/(cluster|control-processes|faults|pool|processes|soak|tracing)\\.spec\\.ts$',
  // The packed package in fresh apps (npm), and the README's samples compiled as `nest new` apps.
  '/libs/jobs/test/(package|docs)/.*\\.spec\\.ts$',
  // The demo as processes (npm start, npm run worker, npm run demo:load) and in Chromium.
  '/test/(dashboard|demo-load|start-demo|worker)\\.e2e-spec\\.ts$',
];
const UNIT = [
  '/libs/jobs/src/.*\\.spec\\.ts$',
  '/libs/jobs/test/types/.*\\.spec\\.ts$',
];

const base = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^nestjs-jobs$': '<rootDir>/libs/jobs/src',
    // Subpath entry points (metrics and health need optional peers: prom-client, @nestjs/terminus).
    '^nestjs-jobs/(admin|metrics|health)$': '<rootDir>/libs/jobs/src/$1',
  },
  testEnvironment: 'node',
  // `npm run build` writes dist/libs/jobs/package.json, a second "nestjs-jobs" that jest's module map rejects.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

const withRedis = {
  ...base,
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
};

module.exports = {
  testTimeout: 30_000,
  projects: [
    { ...base, displayName: 'unit', testRegex: UNIT },
    {
      ...withRedis,
      displayName: 'integration',
      testRegex: [
        '/libs/jobs/test/.*\\.spec\\.ts$',
        '/test/.*\\.e2e-spec\\.ts$',
      ],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT, ...SYSTEM],
    },
    { ...withRedis, displayName: 'system', testRegex: SYSTEM },
  ],
};
