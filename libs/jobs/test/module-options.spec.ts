import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import request from 'supertest';
import {
  JobsAdminModule,
  JobsConfigurationError,
  JobsModule,
  JobService,
  type JobsAdminOptions,
  type JobsAdminOptionsFactory,
  type JobsModuleOptions,
  type JobsOptionsFactory,
} from 'nestjs-jobs';
import {
  JobsMetricsModule,
  type JobsMetricsOptions,
  type JobsMetricsOptionsFactory,
} from 'nestjs-jobs/metrics';
import {
  JobsHealthModule,
  type JobsHealthOptions,
  type JobsHealthOptionsFactory,
} from 'nestjs-jobs/health';
import { JobsAdminService } from '../src/admin/jobs-admin.service';
import { deleteKeys, redisUrl, uniquePrefix } from './support/test-app';
import { bodyOf, portOf, type HealthBody } from './support/http-app';

const TOKEN = 'module-options-admin-token';
const PREFIX = Symbol('PREFIX');

/** One settings class for all four modules: each builder asks for its own factory method, so they never clash. */
@Injectable()
class Settings
  implements
    JobsOptionsFactory,
    JobsAdminOptionsFactory,
    JobsMetricsOptionsFactory,
    JobsHealthOptionsFactory
{
  /** Which factory methods ran on this instance: with useExisting, all four on the one exported instance. */
  readonly calls: string[] = [];
  constructor(@Inject(PREFIX) private readonly prefix: string) {}

  createJobsOptions(): JobsModuleOptions {
    this.calls.push('jobs');
    return {
      connection: redisUrl(),
      prefix: this.prefix,
      queues: { high_priority: 3 },
      workers: false,
    };
  }
  createJobsAdminOptions(): JobsAdminOptions {
    this.calls.push('admin');
    return { token: TOKEN };
  }
  createJobsMetricsOptions(): Promise<JobsMetricsOptions> {
    this.calls.push('metrics');
    return Promise.resolve({ prefix: 'settings_' });
  }
  createJobsHealthOptions(): JobsHealthOptions {
    this.calls.push('health');
    return { timeoutMs: 500 };
  }
}

@Module({})
class SettingsModule {
  static forPrefix(prefix: string): DynamicModule {
    return {
      module: SettingsModule,
      providers: [{ provide: PREFIX, useValue: prefix }, Settings],
      exports: [PREFIX, Settings],
    };
  }
}

@Injectable()
class ShortToken implements JobsAdminOptionsFactory {
  createJobsAdminOptions = (): Promise<JobsAdminOptions> =>
    Promise.resolve({ token: 'too-short' });
}

@Injectable()
class UsesQueue {
  constructor(@InjectQueue('high_priority') readonly queue: Queue) {}
}

interface Booted {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

async function listen(
  prefix: string,
  imports: DynamicModule[],
  providers = [UsesQueue],
): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({
    imports,
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${portOf(app)}`,
    close: async () => {
      await app.close();
      await deleteKeys(prefix);
    },
  };
}

/** The error that booting these modules fails with (or undefined when it boots). */
async function bootError(imports: DynamicModule[]): Promise<unknown> {
  let app: INestApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule({ imports }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app?.close();
  }
}

/** What every module, configured from `Settings`, must show. */
async function expectConfiguredBySettings(
  t: Booted,
  prefix: string,
): Promise<void> {
  const jobs = t.app.get(JobService);
  expect(jobs.queueNames().sort()).toEqual(['default', 'high_priority']);
  // queueNames gave @InjectQueue the factory's queue, under the factory's prefix.
  const { queue } = t.app.get(UsesQueue);
  expect([queue.name, queue.opts.prefix]).toEqual(['high_priority', prefix]);

  await request(t.url).get('/ops/jobs/queues').expect(401);
  const queues = await request(t.url)
    .get('/ops/jobs/queues')
    .set('Authorization', `Bearer ${TOKEN}`)
    .expect(200);
  expect(JSON.stringify(queues.body)).toContain('high_priority');

  const metrics = await request(t.url).get('/ops/metrics').expect(200);
  expect(metrics.text).toMatch(
    /^settings_queue_concurrency\{queue="high_priority"\} 3$/m,
  );
  await request(t.url).get('/metrics').expect(404);

  const health = await request(t.url).get('/ops/health').expect(200);
  expect(bodyOf<HealthBody>(health).info?.jobs).toMatchObject({
    status: 'up',
    redis: { status: 'up' },
  });
}

describe('module options: forRootAsync / registerAsync with useFactory, useClass, useExisting (real Redis)', () => {
  let t: Booted | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('configures all four modules with useClass', async () => {
    const prefix = uniquePrefix();
    const settings = SettingsModule.forPrefix(prefix);
    t = await listen(prefix, [
      JobsModule.forRootAsync({
        imports: [settings],
        useClass: Settings,
        queueNames: ['high_priority'],
      }),
      JobsAdminModule.registerAsync({
        imports: [settings],
        useClass: Settings,
        path: 'ops/jobs',
      }),
      JobsMetricsModule.registerAsync({
        imports: [settings],
        useClass: Settings,
        path: 'ops/metrics',
      }),
      JobsHealthModule.registerAsync({
        imports: [settings],
        useClass: Settings,
        path: 'ops/health',
      }),
    ]);
    await expectConfiguredBySettings(t, prefix);
  });

  it('configures all four modules with useExisting, asking the one exported instance', async () => {
    const prefix = uniquePrefix();
    const settings = SettingsModule.forPrefix(prefix);
    t = await listen(prefix, [
      settings,
      JobsModule.forRootAsync({
        imports: [settings],
        useExisting: Settings,
        queueNames: ['high_priority'],
      }),
      JobsAdminModule.registerAsync({
        imports: [settings],
        useExisting: Settings,
        path: 'ops/jobs',
      }),
      JobsMetricsModule.registerAsync({
        imports: [settings],
        useExisting: Settings,
        path: 'ops/metrics',
      }),
      JobsHealthModule.registerAsync({
        imports: [settings],
        useExisting: Settings,
        path: 'ops/health',
      }),
    ]);
    await expectConfiguredBySettings(t, prefix);
    expect(t.app.get(Settings).calls.sort()).toEqual([
      'admin',
      'health',
      'jobs',
      'metrics',
    ]);
  });

  it('serves /metrics and /health from registerAsync with useFactory and inject, at their default and given paths', async () => {
    const prefix = uniquePrefix();
    const settings = SettingsModule.forPrefix(prefix);
    t = await listen(
      prefix,
      [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix,
          queues: { high_priority: 2 },
          workers: false,
        }),
        JobsMetricsModule.registerAsync({
          imports: [settings],
          inject: [PREFIX],
          useFactory: (p: string) =>
            Promise.resolve({ prefix: `${p.replace(/-/g, '_')}_` }),
        }),
        JobsHealthModule.registerAsync({
          path: 'health',
          useFactory: () => ({ timeoutMs: 300 }),
        }),
      ],
      [],
    );
    const metrics = await request(t.url).get('/metrics').expect(200);
    expect(metrics.text).toContain(
      `${prefix.replace(/-/g, '_')}_queue_concurrency{queue="high_priority"} 2`,
    );
    const health = await request(t.url).get('/health').expect(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      info: { jobs: { status: 'up' } },
    });
  });

  it('fails the boot with the same JobsConfigurationError as forRoot when an async factory gives a bad option', async () => {
    const bad: JobsModuleOptions = {
      connection: redisUrl(),
      prefix: uniquePrefix(),
      workers: false,
      queues: { high_priority: -2 },
    };
    const direct = await bootError([JobsModule.forRoot(bad)]);
    const fromFactory = await bootError([
      JobsModule.forRootAsync({ useFactory: () => Promise.resolve(bad) }),
    ]);
    expect(direct).toBeInstanceOf(JobsConfigurationError);
    expect(fromFactory).toBeInstanceOf(JobsConfigurationError);
    expect((fromFactory as Error).message).toBe((direct as Error).message);
    expect((fromFactory as Error).message).toMatch(/high_priority/);
  });

  it('fails the boot when registerAsync gives the admin API a short token', async () => {
    // Without JobsModule (its service stubbed): Nest builds the providers of all modules concurrently, so
    // JobsModule's producer could connect before this factory's token is refused, with no app left to close it.
    const error = await Test.createTestingModule({
      imports: [JobsAdminModule.registerAsync({ useClass: ShortToken })],
    })
      .overrideProvider(JobsAdminService)
      .useValue({})
      .compile()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect((error as Error).message).toMatch(/at least 16 characters/);
  });

  it('refuses async options without useFactory, useClass or useExisting, naming the method and the factory method', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => JobsModule.forRootAsync({ queueNames: ['a'] }),
        /^JobsModule\.forRootAsync needs one of useFactory, useClass or useExisting.*createJobsOptions\(\)/,
      ],
      [
        () => JobsAdminModule.registerAsync({ path: 'ops/jobs' }),
        /^JobsAdminModule\.registerAsync .*createJobsAdminOptions\(\)/,
      ],
      [
        () => JobsMetricsModule.registerAsync({}),
        /^JobsMetricsModule\.registerAsync .*createJobsMetricsOptions\(\)/,
      ],
      [
        () => JobsHealthModule.registerAsync({ path: 'health' }),
        /^JobsHealthModule\.registerAsync .*createJobsHealthOptions\(\)/,
      ],
    ];
    for (const [register, message] of cases) {
      expect(register).toThrow(JobsConfigurationError);
      expect(register).toThrow(message);
    }
  });

  it('keeps the import-time checks: an admin token at register() and a bad admin path on both methods', () => {
    expect(() => JobsAdminModule.register({ token: 'short' })).toThrow(
      JobsConfigurationError,
    );
    expect(() =>
      JobsAdminModule.registerAsync({
        path: 'has space',
        useFactory: () => ({ token: TOKEN }),
      }),
    ).toThrow(/not a URL path/);
    // forRoot passes the user's options on as given: the queue names it derives are not an option.
    const forRoot = JobsModule.forRoot({ queues: { high_priority: 2 } });
    const options = forRoot.providers?.find(
      (p) => typeof p === 'object' && 'useValue' in p,
    ) as { useValue: unknown };
    expect(options.useValue).toEqual({ queues: { high_priority: 2 } });
    expect(forRoot.global).toBe(true);
  });
});
