import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import type {
  JobsModuleOptions,
  QueueConfig,
} from '../interfaces/jobs-module-options.interface';
import { resolveJobsConfig } from './jobs-config';

describe('resolveJobsConfig (options are validated once, at start-up)', () => {
  it('always has a default queue with concurrency 1, so forRoot() alone is single-queue mode', () => {
    const config = resolveJobsConfig({}, {});
    expect([...config.queues.keys()]).toEqual(['default']);
    expect(config.queues.get('default')!.concurrency).toBe(1);
    expect(config.servedQueues).toEqual(['default']);
    expect(config.connection).toBe('redis://127.0.0.1:6379');
  });

  it('takes a number or an object per queue', () => {
    const config = resolveJobsConfig(
      {
        queues: {
          default: 2,
          high_priority: { concurrency: 8, lockDuration: 5_000 },
        },
      },
      {},
    );
    expect(config.queues.get('default')!.concurrency).toBe(2);
    expect(config.queues.get('high_priority')).toMatchObject({
      concurrency: 8,
      lockDuration: 5_000,
    });
  });

  it('reads REDIS_URL and JOBS_WORKERS from the environment when the options do not say', () => {
    const config = resolveJobsConfig(
      { queues: { a: 1, b: 1 } },
      {
        REDIS_URL: 'rediss://:secret@example.test:6380/2',
        JOBS_WORKERS: 'a, b',
      },
    );
    expect(config.connection).toBe('rediss://:secret@example.test:6380/2');
    expect(config.servedQueues).toEqual(['a', 'b']);
    expect(
      resolveJobsConfig({}, { JOBS_WORKERS: 'none' }).servedQueues,
    ).toEqual([]);
    expect(
      resolveJobsConfig({ queues: { a: 1 } }, { JOBS_WORKERS: 'all' })
        .servedQueues,
    ).toEqual(['a', 'default']);
    // An explicit option wins over the environment.
    expect(
      resolveJobsConfig({ workers: false }, { JOBS_WORKERS: 'all' })
        .servedQueues,
    ).toEqual([]);
  });

  it('bounds retention by default and lets a queue override it', () => {
    const config = resolveJobsConfig(
      {
        queues: {
          reports: { concurrency: 1, retention: { completed: { count: 5 } } },
        },
      },
      {},
    );
    expect(config.queues.get('default')!.removeOnComplete).toEqual({
      age: 86_400,
      count: 1_000,
    });
    expect(config.queues.get('default')!.removeOnFail).toEqual({
      age: 604_800,
      count: 10_000,
    });
    expect(config.queues.get('reports')!.removeOnComplete).toEqual({
      count: 5,
    });
    expect(config.queues.get('reports')!.removeOnFail).toEqual({
      age: 604_800,
      count: 10_000,
    });
  });

  const bad: Array<[string, JobsModuleOptions, NodeJS.ProcessEnv, RegExp]> = [
    [
      'concurrency below 1',
      { queues: { default: 0 } },
      {},
      /queues\.default is invalid: 0\. Expected a positive integer/,
    ],
    [
      'fractional concurrency',
      { queues: { q: { concurrency: 1.5 } } },
      {},
      /queues\.q\.concurrency is invalid: 1\.5/,
    ],
    [
      'a queue name with ":"',
      { queues: { 'high:priority': 1 } },
      {},
      /queue name "high:priority", which BullMQ cannot take/,
    ],
    [
      'an unknown option (typo)',
      { queue: { default: 1 } } as JobsModuleOptions,
      {},
      /option queue is invalid.*Expected one of the options queues,/,
    ],
    [
      'an unknown queue setting',
      { queues: { q: { concurrency: 1, concurency: 2 } as QueueConfig } },
      {},
      /queues\.q\.concurency is invalid/,
    ],
    [
      'a route to an unconfigured queue',
      { routes: { backup: 'hgh_priority' } },
      {},
      /routes\.backup names queue "hgh_priority", which is not configured\. Configured queues: default/,
    ],
    [
      'workers naming an unconfigured queue',
      { workers: ['nope'] },
      {},
      /option workers names queue "nope", which is not configured/,
    ],
    [
      'JOBS_WORKERS naming an unconfigured queue',
      {},
      { JOBS_WORKERS: 'nope' },
      /JOBS_WORKERS \(environment\) names queue "nope"/,
    ],
    [
      'a connection URL that is not redis',
      { connection: 'http://localhost:6379' },
      {},
      /option connection is invalid: "http:\/\/localhost:6379"\. Expected a URL such as redis:\/\//,
    ],
    [
      'a bad REDIS_URL',
      {},
      { REDIS_URL: 'localhost:6379' },
      /REDIS_URL \(environment\) is invalid/,
    ],
    [
      'negative retention',
      { retention: { completed: { count: -1 } } },
      {},
      /retention\.completed\.count is invalid: -1/,
    ],
    [
      'a bad maxPayloadBytes',
      { maxPayloadBytes: 0 },
      {},
      /maxPayloadBytes is invalid: 0/,
    ],
    [
      'a prefix with spaces',
      { prefix: 'my app' },
      {},
      /prefix is invalid: "my app"/,
    ],
  ];
  it.each(bad)(
    'rejects %s with a message naming the option',
    (_what, options, env, message) => {
      expect(() => resolveJobsConfig(options, env)).toThrow(
        JobsConfigurationError,
      );
      expect(() => resolveJobsConfig(options, env)).toThrow(message);
    },
  );
});
