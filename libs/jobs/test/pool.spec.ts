import * as path from 'node:path';
import Redis from 'ioredis';
import { Injectable } from '@nestjs/common';
import {
  JobHandler,
  JobsConfigurationError,
  parseWorkerArgs,
  type JobInfo,
  type WorkerInfo,
} from 'nestjs-jobs';
import {
  resolveJobsConfig,
  type WorkerProcessRole,
} from '../src/config/jobs-config';
import { decideProcesses, restartDelayMs } from '../src/pool/process-scaling';
import {
  createJobsApp,
  redisUrl,
  sleep,
  uniquePrefix,
  waitFor,
  type JobsTestApp,
} from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';

const POOL_FIXTURE = path.join(__dirname, 'fixtures/pool-worker.ts');
const role = (r: Partial<WorkerProcessRole> = {}): WorkerProcessRole => ({
  queues: [],
  concurrency: {},
  processes: {},
  ...r,
});
const queues = { default: 1, urgent: 8, cpu: { concurrency: 1, processes: 2 } };

describe('processes option', () => {
  it('a worker entry without queue names supervises the pool: each pooled queue alone, the other queues in one process', () => {
    const config = resolveJobsConfig(
      {
        queues: {
          ...queues,
          big: { concurrency: 2, processes: { min: 1, max: 4 } },
        },
      },
      {},
      role(),
    );
    expect(config.servedQueues).toEqual([]);
    expect(
      config.pool!.pooled.map((q) => [
        q.name,
        q.processes!.min,
        q.processes!.max,
      ]),
    ).toEqual([
      ['cpu', 2, 2],
      ['big', 1, 4],
    ]);
    expect(config.pool!.shared).toEqual(['default', 'urgent']);
    expect(config.pool!.pooled[1].processes).toEqual({
      min: 1,
      max: 4,
      scaleUpAfterMs: 2_000,
      scaleDownAfterMs: 30_000,
    });
  });

  it('a worker given queue names serves them itself, pooled or not; an app that is not a worker entry leaves pooled queues to the pool', () => {
    const child = resolveJobsConfig(
      { queues },
      {},
      role({ queues: ['cpu'], pool: 'host:1:abc' }),
    );
    expect([child.servedQueues, child.pool, child.poolId]).toEqual([
      ['cpu'],
      undefined,
      'host:1:abc',
    ]);
    const app = resolveJobsConfig({ queues }, {});
    expect([app.servedQueues, app.pooledElsewhere, app.pool]).toEqual([
      ['default', 'urgent'],
      ['cpu'],
      undefined,
    ]);
    // Without processes, nothing changes: the worker entry serves every queue.
    expect(
      resolveJobsConfig({ queues: { default: 1, urgent: 8 } }, {}, role())
        .servedQueues,
    ).toEqual(['default', 'urgent']);
  });

  it('reads JOBS_PROCESSES and --processes (n or min..max); the argument wins', () => {
    const env = { JOBS_PROCESSES: 'urgent=1..3, cpu=4' };
    const config = resolveJobsConfig(
      { queues },
      env,
      role({ processes: { cpu: { min: 1, max: 2 } } }),
    );
    expect(
      config.pool!.pooled.map((q) => [
        q.name,
        q.processes!.min,
        q.processes!.max,
      ]),
    ).toEqual([
      ['urgent', 1, 3],
      ['cpu', 1, 2],
    ]);
    expect(
      parseWorkerArgs(['--processes', 'cpu=3', '--processes=urgent=1..4']),
    ).toEqual({
      queues: [],
      concurrency: {},
      processes: { cpu: 3, urgent: { min: 1, max: 4 } },
    });
  });

  it.each([
    [
      '0',
      { cpu: { concurrency: 1, processes: 0 } },
      {},
      'queues.cpu.processes is invalid: 0',
    ],
    [
      'negative',
      { cpu: { concurrency: 1, processes: -2 } },
      {},
      'queues.cpu.processes is invalid: -2',
    ],
    [
      'a fraction',
      { cpu: { concurrency: 1, processes: 1.5 } },
      {},
      'queues.cpu.processes is invalid: 1.5',
    ],
    [
      'min > max',
      { cpu: { concurrency: 1, processes: { min: 3, max: 2 } } },
      {},
      'queues.cpu.processes is invalid: {"min":3,"max":2}',
    ],
    [
      'an unknown key',
      { cpu: { concurrency: 1, processes: { min: 1, max: 2, up: 5 } } },
      {},
      'queues.cpu.processes.up is invalid',
    ],
    [
      'JOBS_PROCESSES naming an unknown queue',
      queues,
      { JOBS_PROCESSES: 'reprots=2' },
      'JOBS_PROCESSES (environment) names queue "reprots", which is not configured',
    ],
    [
      'JOBS_PROCESSES with a bad count',
      queues,
      { JOBS_PROCESSES: 'cpu=0..2' },
      'JOBS_PROCESSES (environment) for queue cpu.min is invalid: 0',
    ],
    [
      'JOBS_PROCESSES that is not pairs',
      queues,
      { JOBS_PROCESSES: 'cpu' },
      'JOBS_PROCESSES (environment) is invalid: "cpu". Expected queue=processes pairs',
    ],
  ])(
    'refuses processes of %s with a JobsConfigurationError naming the option',
    (_what, q, env, message) => {
      const attempt = () => resolveJobsConfig({ queues: q }, env, role());
      expect(attempt).toThrow(JobsConfigurationError);
      expect(attempt).toThrow(message);
    },
  );

  it('takes numeric strings, as ConfigService gives them from the environment', () => {
    const config = resolveJobsConfig(
      {
        queues: {
          default: '4' as never,
          cpu: { concurrency: '2' as never, processes: '3' as never },
        },
        shutdownGraceMs: '100' as never,
      },
      {},
      role(),
    );
    expect([
      config.queues.get('default')!.concurrency,
      config.queues.get('cpu')!.concurrency,
      config.pool!.pooled[0].processes!.max,
      config.shutdownGraceMs,
    ]).toEqual([4, 2, 3, 100]);
    expect(() =>
      resolveJobsConfig({ queues: { default: 'four' as never } }, {}),
    ).toThrow(
      'JobsModule option queues.default is invalid: "four". Expected a positive integer.',
    );
  });

  it('refuses processes on a queue this worker cannot serve, and --processes given with queue names', () => {
    expect(() =>
      resolveJobsConfig({ queues, workers: ['default', 'urgent'] }, {}, role()),
    ).toThrow(
      'Queue "cpu" has processes, but this worker does not serve it (it serves: default, urgent). Add "cpu" to the workers option, or remove its processes.',
    );
    expect(() =>
      resolveJobsConfig(
        { queues },
        {},
        role({ queues: ['cpu'], processes: { cpu: 2 } }),
      ),
    ).toThrow(
      "--processes (cpu) is for the pool's supervisor, the worker run without queue names",
    );
    expect(() => parseWorkerArgs(['--processes', 'cpu=two'])).toThrow(
      'Unknown worker argument "--processes cpu=two"',
    );
  });
});

describe('process autoscaling policy', () => {
  const bounds = {
    min: 1,
    max: 3,
    scaleUpAfterMs: 2_000,
    scaleDownAfterMs: 30_000,
  };
  const sample = {
    processes: 1,
    starting: 0,
    waiting: 0,
    oldestWaitingMs: 0,
    idleMs: 0,
  };

  it('adds one process while the next job has waited past scaleUpAfterMs, never above max nor while one is starting', () => {
    expect(
      decideProcesses(
        { ...sample, waiting: 5, oldestWaitingMs: 2_500 },
        bounds,
      ),
    ).toEqual({
      change: 1,
      reason: '5 job(s) waiting, the next for 2.5 s (scaleUpAfterMs 2000)',
    });
    expect(
      decideProcesses(
        { ...sample, waiting: 5, oldestWaitingMs: 1_000 },
        bounds,
      ),
    ).toBeUndefined();
    expect(
      decideProcesses(
        {
          ...sample,
          processes: 2,
          starting: 1,
          waiting: 5,
          oldestWaitingMs: 9_000,
        },
        bounds,
      ),
    ).toBeUndefined();
    expect(
      decideProcesses(
        { ...sample, processes: 3, waiting: 5, oldestWaitingMs: 9_000 },
        bounds,
      ),
    ).toBeUndefined();
  });

  it('retires one process after scaleDownAfterMs without a waiting job, never below min', () => {
    expect(
      decideProcesses({ ...sample, processes: 2, idleMs: 30_000 }, bounds),
    ).toEqual({
      change: -1,
      reason: 'no job waiting for 30.0 s (scaleDownAfterMs 30000)',
    });
    expect(
      decideProcesses({ ...sample, processes: 2, idleMs: 29_000 }, bounds),
    ).toBeUndefined();
    expect(
      decideProcesses({ ...sample, processes: 1, idleMs: 60_000 }, bounds),
    ).toBeUndefined();
  });

  it('replaces a dead process within 2 s at first, backing off exponentially while they keep dying', () => {
    expect([1, 2, 3, 4, 5, 6, 9, 20].map(restartDelayMs)).toEqual([
      250, 500, 1_000, 2_000, 4_000, 8_000, 30_000, 30_000,
    ]);
  });
});

// The producer side of the fixture app: same job names and queues, no workers.
@Injectable()
class Producer {
  @JobHandler('cpu', { queue: 'cpu' })
  cpu() {}
  @JobHandler('urgent', { queue: 'urgent' })
  urgent() {}
}

jest.setTimeout(180_000);

describe('worker process pools (real processes)', () => {
  let prefix: string;
  let producer: JobsTestApp;
  let redis: Redis;
  const started: WorkerProcess[] = [];

  const startPool = (env: Record<string, string> = {}) => {
    const w = spawnWorker(
      [],
      { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix, ...env },
      POOL_FIXTURE,
    );
    started.push(w);
    return w;
  };
  const poolWorkers = async (
    supervisor: WorkerProcess,
  ): Promise<WorkerInfo[]> =>
    (await producer.jobs.workers()).filter((w) =>
      w.pool?.includes(`:${supervisor.pid}:`),
    );
  /** Waits until the pool serves `cpu` with `n` processes and the other queues with one. */
  const waitForPool = (supervisor: WorkerProcess, n: number) =>
    waitFor(
      async () => {
        const live = await poolWorkers(supervisor);
        const cpu = live.filter((w) => w.queues.includes('cpu'));
        return cpu.length === n &&
          live.some((w) => w.queues.join() === 'default,urgent')
          ? live
          : null;
      },
      60_000,
      `a pool with ${n} cpu process(es)`,
    );
  /**
   * Waits until every job completed, then reads them all once. It looks at 20 pending jobs at a
   * time (they finish about in order), every 100 ms while they run: reading hundreds of jobs every
   * few ms would take the very CPU the pool is measured on.
   */
  const finished = async (ids: string[]): Promise<JobInfo[]> => {
    let pending = [...ids];
    await waitFor(
      async () => {
        const batch = pending.slice(0, 20);
        const infos = await Promise.all(
          batch.map((id) => producer.jobs.get(id)),
        );
        const done = new Set(
          batch.filter((_, i) => infos[i]?.status === 'completed'),
        );
        pending = pending.filter((id) => !done.has(id));
        if (pending.length > 0 && done.size < batch.length) await sleep(100);
        return pending.length === 0;
      },
      150_000,
      `${ids.length} jobs to complete`,
    );
    return (await Promise.all(
      ids.map((id) => producer.jobs.get(id)),
    )) as JobInfo[];
  };
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeEach(async () => {
    prefix = uniquePrefix();
    redis = new Redis(redisUrl());
    producer = await createJobsApp(
      {
        prefix,
        queues: {
          default: 1,
          urgent: 8,
          cpu: { concurrency: 1, processes: 2 },
        },
        workers: false,
        heartbeatIntervalMs: 200,
      },
      [Producer],
    );
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => kill(w)));
    await producer.close();
    redis.disconnect();
  });

  it('runs each pooled process on its own queue, reports the pool in workers() and stats(), and keeps urgent waits low under a CPU-bound flood', async () => {
    const supervisor = startPool({ CPU_PROCESSES: '2' });
    const live = await waitForPool(supervisor, 2);
    expect(new Set(live.map((w) => w.pool)).size).toBe(1);
    expect(live.every((w) => w.pid !== supervisor.pid)).toBe(true);
    const [cpuStats] = await producer.jobs.stats('cpu');
    expect(cpuStats.pool).toEqual({ min: 2, max: 2, processes: 2 });

    const urgentWaits = async (count: number) => {
      const refs = [];
      for (let i = 0; i < count; i++) {
        refs.push(
          await producer.jobs.enqueue({ name: 'urgent', data: { ms: 5 } }),
        );
        await sleep(25); // 40 a second
      }
      const infos = await finished(refs.map((r) => r.id));
      const waits = infos
        .map((i) => i.startedAt!.getTime() - i.createdAt.getTime())
        .sort((a, b) => a - b);
      return waits[Math.ceil(waits.length * 0.99) - 1];
    };
    const idleP99 = await urgentWaits(40);
    const flood = await producer.jobs.enqueueMany(
      Array.from({ length: 12 }, () => ({
        name: 'cpu' as const,
        data: { ms: 300 },
      })),
    );
    const loadedP99 = await urgentWaits(80);
    const reports = await finished(flood.map((r) => r.id));
    // The flood ran in both cpu processes, never in the urgent queue's process.
    const cpuPids = new Set(
      reports.map((r) => (r.result as { pid: number }).pid),
    );
    const urgentPid = live.find((w) => w.queues.includes('urgent'))!.pid;
    expect(cpuPids.size).toBe(2);
    expect(cpuPids.has(urgentPid)).toBe(false);
    console.log(
      `urgent wait p99: idle ${idleP99} ms, under a CPU-bound flood ${loadedP99} ms`,
    );
    expect(loadedP99).toBeLessThanOrEqual(3 * idleP99 + 20);
  });

  it('drains CPU-bound jobs faster with processes: 2 than with processes: 1 (two cores work)', async () => {
    const drain = async (processes: number) => {
      const supervisor = startPool({ CPU_PROCESSES: String(processes) });
      await waitForPool(supervisor, processes);
      const refs = await producer.jobs.enqueueMany(
        Array.from({ length: 400 }, () => ({
          name: 'cpu' as const,
          data: { ms: 20 },
        })),
      );
      const infos = await finished(refs.map((r) => r.id));
      await kill(supervisor, 'SIGTERM');
      const first = Math.min(...infos.map((i) => i.startedAt!.getTime()));
      const last = Math.max(...infos.map((i) => i.finishedAt!.getTime()));
      return last - first;
    };
    const one = await drain(1);
    const two = await drain(2);
    console.log(
      `400 CPU-bound jobs of 20 ms: ${one} ms with 1 process, ${two} ms with 2 (${(one / two).toFixed(2)}x)`,
    );
    expect(one / two).toBeGreaterThanOrEqual(1.3);
  });

  it('replaces a process killed with kill -9; its running job completes in another process, once', async () => {
    const supervisor = startPool({ CPU_PROCESSES: '2' });
    const before = await waitForPool(supervisor, 2);
    const ref = await producer.jobs.enqueue({
      name: 'cpu',
      data: { ms: 3_000 },
    });
    const victim = Number(
      await waitFor(
        () => redis.hget(`${prefix}:running`, ref.id),
        20_000,
        'the job to start',
      ),
    );
    process.kill(victim, 'SIGKILL');
    const [info] = await finished([ref.id]);
    expect((info.result as { pid: number }).pid).not.toBe(victim);
    expect(await redis.hget(`${prefix}:runs`, ref.id)).toBe('1');
    expect(supervisor.output()).toMatch(
      new RegExp(
        `process ${victim} \\(queue "cpu"\\) exited \\(signal SIGKILL\\); starting another in 250 ms`,
      ),
    );
    const after = await waitForPool(supervisor, 2);
    const cpuPids = (ws: WorkerInfo[]) =>
      ws.filter((w) => w.queues.includes('cpu')).map((w) => w.pid);
    expect(cpuPids(after)).not.toContain(victim);
    expect(
      cpuPids(after).filter((pid) => cpuPids(before).includes(pid)),
    ).toHaveLength(1);
  });

  it("stops with exit code 1 and the process's last error when a process keeps dying at boot, leaving no process behind", async () => {
    const supervisor = startPool({ CPU_PROCESSES: '1', FAIL_POOL_CHILD: '1' });
    expect(await supervisor.exited).toBe(1);
    expect(supervisor.output()).toContain(
      'died 5 times in a row before it was ready, so the pool stops',
    );
    expect(supervisor.output()).toContain(
      'database refused the connection (FAIL_POOL_CHILD)',
    );
    expect(await poolWorkers(supervisor)).toEqual([]);
  });

  it('refuses a bad JOBS_PROCESSES at start-up: exit code 1, the message, and no process started', async () => {
    const supervisor = startPool({ JOBS_PROCESSES: 'reprots=2' });
    expect(await supervisor.exited).toBe(1);
    expect(supervisor.output()).toContain(
      'JOBS_PROCESSES (environment) names queue "reprots", which is not configured. Configured queues: default, urgent, cpu.',
    );
    expect(supervisor.output()).not.toContain('Pool: process');
  });

  it('on SIGTERM, every process drains its running job before the supervisor exits', async () => {
    const supervisor = startPool({ CPU_PROCESSES: '1' });
    const live = await waitForPool(supervisor, 1);
    const ref = await producer.jobs.enqueue({
      name: 'cpu',
      data: { ms: 1_500 },
    });
    await waitFor(
      () => redis.hget(`${prefix}:running`, ref.id),
      20_000,
      'the job to start',
    );
    supervisor.child.kill('SIGTERM');
    await supervisor.exited;
    expect((await producer.jobs.get(ref.id))?.status).toBe('completed');
    expect(live.map((w) => alive(w.pid))).toEqual(live.map(() => false));
    expect(supervisor.output()).toContain('stopped: every process has exited');
  });

  it('after kill -9 of the supervisor, its processes exit by themselves', async () => {
    const supervisor = startPool({ CPU_PROCESSES: '2' });
    const live = await waitForPool(supervisor, 2);
    process.kill(supervisor.pid, 'SIGKILL');
    await waitFor(
      () => live.every((w) => !alive(w.pid)),
      15_000,
      'the orphaned processes to exit',
    );
  });

  it('scales a { min, max } pool up to max under a burst and back to min when idle, losing and repeating no job', async () => {
    const supervisor = startPool({
      CPU_PROCESSES: '1..3',
      SCALE_UP_MS: '300',
      SCALE_DOWN_MS: '1500',
    });
    await waitForPool(supervisor, 1);
    // 16 s of CPU: enough to outlast two process start-ups even on a loaded machine.
    const refs = await producer.jobs.enqueueMany(
      Array.from({ length: 160 }, () => ({
        name: 'cpu' as const,
        data: { ms: 100 },
      })),
    );
    let most = 0;
    const reaches = (n: number) => async () => {
      const live = (await poolWorkers(supervisor)).filter((w) =>
        w.queues.includes('cpu'),
      ).length;
      most = Math.max(most, live);
      return live === n;
    };
    await waitFor(reaches(3), 120_000, 'the pool to reach max');
    await finished(refs.map((r) => r.id));
    await waitFor(reaches(1), 60_000, 'the pool to fall back to min');
    expect(most).toBe(3);
    const runs = await redis.hgetall(`${prefix}:runs`);
    expect(refs.map((r) => runs[r.id])).toEqual(refs.map(() => '1'));
    expect(supervisor.output()).toMatch(
      /queue "cpu" 1 → 2 process\(es\): \d+ job\(s\) waiting/,
    );
    expect(supervisor.output()).toMatch(
      /queue "cpu" 2 → 1 process\(es\): no job waiting/,
    );
  }, 400_000);
});
