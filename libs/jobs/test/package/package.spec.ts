// Packaging test: builds and packs nestjs-jobs, installs the tarball into a fresh Nest 11 (CommonJS)
// app and a fresh Nest 12 (ESM-only Nest) app, compiles each with tsc and runs it against the test
// Redis; then, in the same apps, checks what importing nestjs-jobs/metrics and /health says without
// their optional peers, installs every optional peer at its latest version with npm's default peer
// checks, and serves /health, /metrics and a route behind JobsExceptionFilter.
// Needs the npm registry (or a warm npm cache) for the apps' dependencies.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeys, redisUrl, uniquePrefix } from '../support/test-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- build-lib.js is a plain CommonJS script without type declarations
const { build } = require('../../../../scripts/build-lib.js') as {
  build: (opts: { outDir: string; quiet: boolean }) => {
    outDir: string;
    name: string;
    version: string;
  };
};

jest.setTimeout(8 * 60_000);

const TSC = require.resolve('typescript/bin/tsc');
const FIXTURE = join(__dirname, 'fixtures/consumer-app.ts');
const HTTP_FIXTURE = join(__dirname, 'fixtures/consumer-http-app.ts');
/** The optional peers in libs/jobs/package.json, installed at their latest versions. */
const OPTIONAL_PEERS = ['@nestjs/terminus', 'prom-client'];
/** Imports both entry points with optional peers and prints how each went. */
const PEER_PROBE = `Promise.allSettled([import('nestjs-jobs/metrics'), import('nestjs-jobs/health')]).then((rs) =>
  console.log(JSON.stringify(rs.map((r) => (r.status === 'fulfilled' ? 'loaded' : r.reason.name + ': ' + r.reason.message)))))`;
/**
 * npm's defaults, whatever a user or CI .npmrc says: a peer range that excludes the version being
 * installed is an ERESOLVE error, not something to paper over.
 */
const DEFAULT_PEER_CHECKS = ['--legacy-peer-deps=false', '--force=false'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, or kills it after `timeoutMs`, so no run can hang the suite. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 180_000,
): Promise<Run> {
  // npm_* variables from an enclosing `npm test` would steer the child npm (prefix, workspace...).
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)),
  );
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const describeRun = (what: string, r: Run) =>
  `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function expectOk(what: string, r: Promise<Run>): Promise<Run> {
  const result = await r;
  if (result.code !== 0) throw new Error(describeRun(what, result));
  return result;
}

describe('the packed library', () => {
  let work: string;
  let tarball: string;
  let version: string;
  /** dist-tags.latest of each optional peer, from the registry (or npm's cache of it). */
  const latest: Record<string, string> = {};

  beforeAll(async () => {
    for (const peer of OPTIONAL_PEERS) {
      const view = await expectOk(
        `npm view ${peer}`,
        run(
          'npm',
          ['view', peer, 'dist-tags.latest', '--prefer-offline'],
          tmpdir(),
        ),
      );
      latest[peer] = view.stdout.trim();
    }
    work = mkdtempSync(join(tmpdir(), 'nestjs-jobs-pkg-'));
    const built = build({ outDir: join(work, 'build'), quiet: true });
    version = built.version;
    const packed = await expectOk(
      'npm pack',
      run(
        'npm',
        ['pack', built.outDir, '--pack-destination', work, '--json'],
        work,
      ),
    );
    const [info] = JSON.parse(packed.stdout) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info.filename);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is named nestjs-jobs-<version>.tgz and holds compiled JavaScript, typings, docs and LICENSE, no tests, sources or maps', async () => {
    expect(tarball).toBe(join(work, `nestjs-jobs-${version}.tgz`));
    const listing = await expectOk('tar', run('tar', ['tzf', tarball], work));
    const files = listing.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));

    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'index.js',
        'index.d.ts',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files).toContain('jobs.module.js');
    expect(
      files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    ).toEqual([]);
    expect(files.filter((f) => /spec|test\//.test(f))).toEqual([]);
    // Each module ships with its typings.
    const js = files.filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(10);
    expect(
      js.filter((f) => !files.includes(f.replace(/\.js$/, '.d.ts'))),
    ).toEqual([]);
  });

  const apps = [
    {
      nest: 11,
      packageJson: {},
      compilerOptions: {
        module: 'commonjs',
        moduleResolution: 'node10',
        esModuleInterop: true,
        ignoreDeprecations: '6.0',
      },
    },
    {
      // Nest 12 is ESM-only; the CommonJS library reaches it through Node's require(esm).
      nest: 12,
      packageJson: { type: 'module' },
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
    },
  ];

  it.each(apps)(
    'installs into a fresh Nest $nest app, type-checks a typed enqueue, runs a job on Redis; then every optional peer at its latest version, /health, /metrics',
    async ({ nest, packageJson, compilerOptions }) => {
      const dir = join(work, `nest${nest}-app`);
      mkdirSync(join(dir, 'src'), { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          name: `nest${nest}-consumer`,
          version: '1.0.0',
          private: true,
          ...packageJson,
          // npm 11 asks before running install scripts; msgpackr-extract (via bullmq) is optional
          // and msgpackr falls back to plain JavaScript without it, as in the repo's package.json.
          allowScripts: { 'msgpackr-extract': false },
        }),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2023'],
            strict: true,
            experimentalDecorators: true,
            emitDecoratorMetadata: true,
            // Check the packed .d.ts files too, not only the app.
            skipLibCheck: false,
            rootDir: 'src',
            outDir: 'out',
            types: ['node'],
            ...compilerOptions,
          },
          include: ['src'],
        }),
      );
      copyFileSync(FIXTURE, join(dir, 'src/main.ts'));

      await expectOk(
        `npm install (Nest ${nest})`,
        run(
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            ...DEFAULT_PEER_CHECKS,
            tarball,
            `@nestjs/common@${nest}`,
            `@nestjs/core@${nest}`,
            'bullmq',
            'ioredis',
            'class-validator',
            'class-transformer',
            'reflect-metadata',
            'rxjs',
            '@types/node@20',
          ],
          dir,
        ),
      );

      const installed = (pkg: string) =>
        JSON.parse(
          readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8'),
        ) as { version: string };
      expect(installed('@nestjs/core').version).toMatch(
        new RegExp(`^${nest}\\.`),
      );
      expect(installed('nestjs-jobs').version).toBe(version);

      // tsc from the repo: a @ts-expect-error that no longer errors (typed jobs broke) fails here.
      await expectOk(
        `tsc (Nest ${nest})`,
        run(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], dir),
      );

      const prefix = uniquePrefix();
      try {
        const app = await run(
          process.execPath,
          ['out/main.js'],
          dir,
          { JOBS_TEST_REDIS_URL: redisUrl(), JOBS_TEST_PREFIX: prefix },
          120_000,
        );
        expect({ code: app.code, stderr: app.stderr }).toEqual({
          code: 0,
          stderr: '',
        });
        const line = app.stdout
          .split('\n')
          .find((l) => l.startsWith('RESULT '));
        expect(line).toBeDefined();
        expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({
          invalid: 'JobValidationError',
          queue: 'high_priority',
          status: 'completed',
          result: {
            deviceId: 7,
            isInstance: true,
            queue: 'high_priority',
            attempt: 1,
          },
          error: null,
        });
      } finally {
        await deleteKeys(prefix);
      }

      // Without their optional peers, the entry points say which peer is missing and how to install it.
      const probe = await expectOk(
        `import without peers (Nest ${nest})`,
        run(process.execPath, ['-e', PEER_PROBE], dir),
      );
      expect(JSON.parse(probe.stdout)).toEqual([
        'MissingPeerDependencyError: nestjs-jobs/metrics needs the optional peer dependency prom-client, which is not installed. ' +
          'Install it next to nestjs-jobs: npm install prom-client@"^15.0.0"',
        'MissingPeerDependencyError: nestjs-jobs/health needs the optional peer dependency @nestjs/terminus, which is not installed. ' +
          'Install it next to nestjs-jobs: npm install @nestjs/terminus@"^11.0.0 || ^12.0.0"',
      ]);

      // What a user does next: every optional peer at its latest version, with npm's peer checks on.
      const peers = await expectOk(
        `npm install optional peers (Nest ${nest})`,
        run(
          'npm',
          [
            'install',
            '--no-audit',
            '--no-fund',
            '--prefer-offline',
            ...DEFAULT_PEER_CHECKS,
            ...OPTIONAL_PEERS.map((peer) => `${peer}@${latest[peer]}`),
            `@nestjs/platform-express@${nest}`,
          ],
          dir,
        ),
      );
      // Not even a warning that npm overrode a peer range somewhere in the tree.
      expect(peers.stderr).not.toMatch(/ERESOLVE|peer dep/i);
      for (const peer of OPTIONAL_PEERS)
        expect(installed(peer).version).toBe(latest[peer]);
      expect(
        JSON.parse(
          (
            await expectOk(
              'probe',
              run(process.execPath, ['-e', PEER_PROBE], dir),
            )
          ).stdout,
        ),
      ).toEqual(['loaded', 'loaded']);

      copyFileSync(HTTP_FIXTURE, join(dir, 'src/http.ts'));
      await expectOk(
        `tsc with peers (Nest ${nest})`,
        run(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], dir),
      );
      const httpPrefix = uniquePrefix();
      try {
        const app = await run(
          process.execPath,
          ['out/http.js'],
          dir,
          { JOBS_TEST_REDIS_URL: redisUrl(), JOBS_TEST_PREFIX: httpPrefix },
          120_000,
        );
        expect({ code: app.code, stderr: app.stderr }).toEqual({
          code: 0,
          stderr: '',
        });
        const line = app.stdout
          .split('\n')
          .find((l) => l.startsWith('RESULT '));
        expect(line).toBeDefined();
        expect(JSON.parse(line!.slice('RESULT '.length))).toEqual({
          health: {
            status: 200,
            body: expect.objectContaining({
              status: 'ok',
              info: {
                jobs: {
                  status: 'up',
                  redis: { status: 'up', latencyMs: expect.any(Number) },
                  workers: { default: 'up' },
                },
              },
            }),
          },
          metrics: {
            status: 200,
            contentType: expect.stringMatching(
              /^text\/plain;.*version=0\.0\.4/,
            ),
            waitingDefault: true,
          },
          invalid: {
            status: 400,
            body: {
              statusCode: 400,
              error: 'JobValidationError',
              message:
                'Job "package_http_backup" has invalid data: deviceId must not be less than 1.',
            },
          },
          valid: {
            status: 201,
            body: {
              id: expect.any(String),
              name: 'package_http_backup',
              queue: 'default',
            },
          },
        });
      } finally {
        await deleteKeys(httpPrefix);
      }
    },
  );
});
