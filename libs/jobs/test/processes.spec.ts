import Redis from 'ioredis';
import { parseWorkerArgs } from 'nestjs-jobs';
import {
  createJobsApp,
  redisUrl,
  sleep,
  uniquePrefix,
  waitFor,
  type JobsTestApp,
} from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';
import { Producer } from './support/producer';

jest.setTimeout(120_000);

describe('parseWorkerArgs', () => {
  it('reads queue names and --concurrency overrides', () => {
    expect(
      parseWorkerArgs([
        'high_priority',
        'low_priority',
        '--concurrency',
        'high_priority=16',
        '--concurrency=low_priority=3',
      ]),
    ).toEqual({
      queues: ['high_priority', 'low_priority'],
      concurrency: { high_priority: 16, low_priority: 3 },
    });
    expect(parseWorkerArgs([])).toEqual({ queues: [], concurrency: {} });
  });
  it('rejects unknown flags and bad concurrency with the usage', () => {
    expect(() => parseWorkerArgs(['--verbose'])).toThrow(
      'Unknown worker argument "--verbose". Usage: worker [queue ...] [--concurrency queue=n ...]',
    );
    expect(() => parseWorkerArgs(['--concurrency', 'high_priority=0'])).toThrow(
      /--concurrency high_priority=0/,
    );
  });
});

describe('worker processes', () => {
  let prefix: string;
  let producer: JobsTestApp;
  let redis: Redis;
  const workers: WorkerProcess[] = [];
  const start = async (args: string[], env: Record<string, string> = {}) => {
    const w = spawnWorker(args, {
      REDIS_URL: redisUrl(),
      JOBS_PREFIX: prefix,
      ...env,
    });
    workers.push(w);
    await w.ready;
    return w;
  };

  beforeEach(async () => {
    prefix = uniquePrefix();
    redis = new Redis(redisUrl());
    producer = await createJobsApp(
      {
        prefix,
        queues: { default: 1, high_priority: 1, low_priority: 1 },
        workers: false,
        heartbeatIntervalMs: 200,
      },
      [Producer],
    );
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => kill(w)));
    await producer.close();
    redis.disconnect();
  });

  const status = async (id: string) => (await producer.jobs.get(id))?.status;

  it('serves exactly the queues named on its command line, with --concurrency applied, and says so in its heartbeat', async () => {
    const w = await start([
      'high_priority',
      '--concurrency',
      'high_priority=5',
    ]);
    const urgent = await producer.jobs.enqueue(
      { name: 'work', data: { ms: 10 } },
      'high_priority',
    );
    const other = await producer.jobs.enqueue(
      { name: 'work', data: { ms: 10 } },
      'low_priority',
    );
    await waitFor(
      async () => (await status(urgent.id)) === 'completed',
      20_000,
      'urgent job',
    );
    // Time must pass to show the low_priority job is NOT taken: there is no state to wait on.
    await sleep(300);
    expect(await status(other.id)).toBe('waiting');
    const live = await producer.jobs.workers();
    expect(live).toEqual([
      expect.objectContaining({
        pid: w.pid,
        queues: ['high_priority'],
        concurrency: { high_priority: 5 },
      }),
    ]);
    expect(await producer.jobs.queuesWithoutWorkers()).toEqual([
      'low_priority',
    ]);
  });

  it('fails at once on an unknown queue name, listing the configured queues', async () => {
    const w = spawnWorker(['hgh_priority'], {
      REDIS_URL: redisUrl(),
      JOBS_PREFIX: prefix,
    });
    workers.push(w);
    expect(await w.exited).toBe(1);
    expect(w.output()).toContain(
      'The worker\'s command line names queue "hgh_priority", which is not configured. Configured queues: default, high_priority, low_priority.',
    );
  });

  it('after kill -9 of the process running a job, another process picks the job up and completes it', async () => {
    const [a, b] = await Promise.all([start(['default']), start(['default'])]);
    const ref = await producer.jobs.enqueue({
      name: 'work',
      data: { ms: 2_000 },
    });
    const runner = Number(
      await waitFor(
        () => redis.hget(`${prefix}:running`, ref.id),
        20_000,
        'job to start',
      ),
    );
    const [victim, survivor] = runner === a.pid ? [a, b] : [b, a];
    expect(await kill(victim, 'SIGKILL')).toBeNull();
    const info = await waitFor(
      async () => {
        const i = await producer.jobs.get(ref.id);
        return i?.status === 'completed' ? i : null;
      },
      30_000,
      'job to complete on the survivor',
    );
    expect(info.result).toEqual({ pid: survivor.pid });
    // The killed process never finished it: exactly one completed run.
    expect(await redis.hget(`${prefix}:runs`, ref.id)).toBe('1');
    // The dead process drops out of the live list once its heartbeat is stale.
    await waitFor(
      async () =>
        (await producer.jobs.workers()).every((w) => w.pid !== victim.pid),
      10_000,
      'stale heartbeat',
    );
    expect((await producer.jobs.workers()).map((w) => w.pid)).toEqual([
      survivor.pid,
    ]);
  });

  it('on SIGTERM, lets the running job finish before the process exits', async () => {
    const w = await start(['default']);
    const ref = await producer.jobs.enqueue({
      name: 'work',
      data: { ms: 1_500 },
    });
    await waitFor(
      () => redis.hget(`${prefix}:running`, ref.id),
      20_000,
      'job to start',
    );
    w.child.kill('SIGTERM');
    // Nest's shutdown hooks re-raise the signal after closing, so the process ends by SIGTERM.
    const code = await w.exited;
    expect([code, w.child.signalCode]).toEqual([null, 'SIGTERM']);
    expect(w.output()).toContain('Worker stopped: queue "default"');
    expect(await status(ref.id)).toBe('completed');
    expect(await producer.jobs.workers()).toEqual([]);
  });

  it('on SIGTERM past shutdownGraceMs, logs the job left running; it is not failed and another worker completes it', async () => {
    const w = await start(['default'], { GRACE_MS: '300' });
    const ref = await producer.jobs.enqueue({
      name: 'work',
      data: { ms: 4_000 },
    });
    await waitFor(
      () => redis.hget(`${prefix}:running`, ref.id),
      20_000,
      'job to start',
    );
    w.child.kill('SIGTERM');
    await w.exited;
    expect(w.output()).toContain(
      `left for another worker to pick up: ${ref.id}`,
    );
    expect(await status(ref.id)).not.toBe('failed');
    const next = await start(['default']);
    const info = await waitFor(
      async () => {
        const i = await producer.jobs.get(ref.id);
        return i?.status === 'completed' ? i : null;
      },
      30_000,
      'job to be completed by the next worker',
    );
    expect(info.result).toEqual({ pid: next.pid });
  });
});
