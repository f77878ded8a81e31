import * as path from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import { Injectable, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  JobHandler,
  JobsModule,
  JobService,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { sleep, uniquePrefix, waitFor } from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';
import { SHUTDOWN_MARGIN_MS } from '../src/utils/shutdown-deadline';
import {
  startPrivateRedis,
  type PrivateRedis,
} from '../../../scripts/private-redis';

// Fault injection on real processes and a real Redis of each test's own: Redis killed and restarted
// while jobs run and while a worker shuts down, a worker killed while BullMQ records a result, a
// corrupted heartbeat hash, and a cancel sent while no worker listens. Each test ends with every
// job completed or failed, none left active, every process exited within shutdownGraceMs plus the
// documented margin, and logs that say what happened. Random moments come from a seeded generator:
// the seed is printed, and FAULTS_SEED=<n> replays a run.

const FIXTURE = path.join(__dirname, 'fixtures/fault-worker.ts');
const GRACE_MS = 2_000;
/** Exit bound: grace + the library's margin + slack for a loaded 2-core machine (process teardown, ts-node). */
const EXIT_BOUND_MS = GRACE_MS + SHUTDOWN_MARGIN_MS + 5_000;

/** AOF with fsync on every write, so a SIGKILLed Redis loses nothing it acknowledged. */
function startRedis(
  previous?: PrivateRedis,
  appendonly = true,
): Promise<PrivateRedis> {
  return startPrivateRedis({
    appendonly,
    port: previous?.port,
    dir: previous?.dir,
    extraArgs: appendonly ? ['--appendfsync', 'always'] : [],
  });
}

function seededRandom(): {
  seed: number;
  between(min: number, max: number): number;
} {
  const seed = Number(
    process.env.FAULTS_SEED ?? Math.floor(Math.random() * 1e6),
  );
  let state = seed || 1;
  const next = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  return {
    seed,
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
  };
}

/** Keeps what the library logs, to assert that the logs say what happened. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (m: unknown) => void this.lines.push(`LOG ${String(m)}`);
  warn = (m: unknown) => void this.lines.push(`WARN ${String(m)}`);
  error = (m: unknown) => void this.lines.push(`ERROR ${String(m)}`);
  debug = () => undefined;
  verbose = () => undefined;
  text = () => this.lines.join('\n');
}

// The producer side of fixtures/fault-worker.ts: same job names, no workers.
@Injectable()
class Producer {
  @JobHandler('work')
  work() {}
  @JobHandler('die-in-finish')
  dieInFinish() {}
}

async function jobsApp(
  options: JobsModuleOptions,
  providers: any[] = [Producer],
) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      JobsModule.forRoot({
        queues: { default: 2, high_priority: 2 },
        heartbeatIntervalMs: 200,
        ...options,
      }),
    ],
    providers,
  }).compile();
  const logger = new CapturingLogger();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return { app, jobs: app.get(JobService), logger };
}

/** Sends SIGTERM and resolves with how long the process took to exit. */
async function terminate(worker: WorkerProcess): Promise<number> {
  const started = Date.now();
  worker.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<false>(
    (resolve) =>
      (timer = setTimeout(() => resolve(false), EXIT_BOUND_MS + 10_000)),
  );
  const exited = await Promise.race([worker.exited.then(() => true), tooLate]);
  clearTimeout(timer);
  const elapsed = Date.now() - started;
  if (!exited) await kill(worker, 'SIGKILL');
  return elapsed;
}

/** Waits until every job is completed or failed; returns each job's status. */
async function waitAllFinal(
  jobs: JobService,
  ids: string[],
  timeoutMs: number,
): Promise<Record<string, string>> {
  let statuses: Record<string, string> = {};
  await waitFor(
    async () => {
      statuses = {};
      for (const id of ids)
        statuses[id] =
          (await jobs.get(id).catch(() => null))?.status ?? 'missing';
      return Object.values(statuses).every(
        (s) => s === 'completed' || s === 'failed',
      );
    },
    timeoutMs,
    'every job to be completed or failed',
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(statuses)}`);
  });
  return statuses;
}

jest.setTimeout(240_000);

describe('faults', () => {
  const workers: WorkerProcess[] = [];
  const cleanups: Array<() => Promise<unknown> | void> = [];
  const spawn = (env: Record<string, string>, args: string[] = []) => {
    const w = spawnWorker(
      args,
      { LOCK_MS: '1000', GRACE_MS: String(GRACE_MS), ...env },
      FIXTURE,
    );
    workers.push(w);
    return w;
  };
  /** A producer app (no workers) on `redis` under a fresh prefix, closed after the test, and the env of its worker processes. */
  const producerOn = async (redis: PrivateRedis) => {
    const prefix = uniquePrefix();
    const { app, jobs, logger } = await jobsApp({
      connection: redis.url,
      prefix,
      workers: false,
    });
    cleanups.push(() => app.close());
    return {
      prefix,
      jobs,
      logger,
      env: { REDIS_URL: redis.url, JOBS_PREFIX: prefix },
    };
  };
  /** A plain client on `redis` for reading what the fixture records, disconnected after the test. */
  const probeOn = (redis: PrivateRedis, options: RedisOptions = {}) => {
    const probe = new Redis(redis.url, options);
    cleanups.push(() => probe.disconnect());
    return probe;
  };
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => kill(w)));
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch(() => undefined);
  });

  it('SIGTERM while Redis is down: the worker exits within shutdownGraceMs + margin, and the job it left is completed after', async () => {
    let redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { prefix, jobs, env } = await producerOn(redis);
    const first = spawn(env);
    await first.ready;
    const ref = await jobs.enqueue({ name: 'work', data: { ms: 3_000 } });
    const probe = probeOn(redis, { maxRetriesPerRequest: null });
    await waitFor(
      () => probe.hget(`${prefix}:starts`, ref.id),
      20_000,
      'job to start',
    );

    await redis.stop({ keepDir: true, signal: 'SIGKILL' });
    // Kept: a moment for the outage to reach the worker's connections before SIGTERM, as in a real outage.
    await sleep(300);
    const elapsed = await terminate(first);
    console.log(
      `faults: SIGTERM with Redis down: exited after ${elapsed} ms (grace ${GRACE_MS} ms + margin ${SHUTDOWN_MARGIN_MS} ms)`,
    );
    expect(elapsed).toBeLessThan(EXIT_BOUND_MS);
    expect(first.output()).toContain('Redis connection error');
    expect(first.output()).toContain(
      `left for another worker to pick up: ${ref.id}`,
    );

    redis = await startRedis(redis);
    const next = spawn(env);
    await next.ready;
    await waitAllFinal(jobs, [ref.id], 30_000);
    expect((await jobs.get(ref.id))?.status).toBe('completed');
    expect(await terminate(next)).toBeLessThan(EXIT_BOUND_MS);
  });

  it('Redis killed and restarted at random moments while jobs run and while a worker shuts down: every job ends, processes exit in time', async () => {
    const random = seededRandom();
    console.log(
      `faults: Redis chaos, seed ${random.seed} (FAULTS_SEED=${random.seed} replays it)`,
    );
    let redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { jobs, env } = await producerOn(redis);
    const [a, b] = [spawn(env), spawn(env)];
    await Promise.all([a.ready, b.ready]);
    const ids: string[] = [];
    for (const queue of ['default', 'high_priority']) {
      const batch = Array.from({ length: 40 }, () => ({
        name: 'work',
        data: { ms: random.between(200, 1_000) },
      }));
      ids.push(...(await jobs.enqueueMany(batch, queue)).map((r) => r.id));
    }

    for (let round = 0; round < 3; round++) {
      await sleep(random.between(100, 1_500));
      await redis.stop({ keepDir: true, signal: 'SIGKILL' });
      await sleep(random.between(100, 1_500));
      redis = await startRedis(redis);
    }

    // Redis dies while worker a shuts down; it comes back at a random moment, before or after a exits.
    await sleep(random.between(0, 1_000));
    await redis.stop({ keepDir: true, signal: 'SIGKILL' });
    const restarted = sleep(random.between(0, GRACE_MS + 3_000)).then(
      async () => (redis = await startRedis(redis)),
    );
    const elapsed = await terminate(a);
    await restarted;
    console.log(
      `faults: SIGTERM during the outage: exited after ${elapsed} ms`,
    );
    expect(elapsed).toBeLessThan(EXIT_BOUND_MS);

    const c = spawn(env);
    await c.ready;
    const statuses = await waitAllFinal(jobs, ids, 90_000);
    console.log(
      `faults: Redis chaos: ${JSON.stringify(countBy(Object.values(statuses)))}`,
    );
    // The fixture's jobs do not fail, so each one completed (some ran twice: at least once).
    expect(Object.values(statuses).every((s) => s === 'completed')).toBe(true);
    expect(await terminate(b)).toBeLessThan(EXIT_BOUND_MS);
    expect(await terminate(c)).toBeLessThan(EXIT_BOUND_MS);
    const logs = [a, b].map((w) => w.output()).join('\n');
    expect(logs).toContain('Redis connection error');
    expect(b.output()).toContain('Redis connection restored');
    expect(a.output()).toContain('Worker stopped: queue "default"');
  });

  it('after a Redis restart that lost its data, the worker logs the errors that follow (Missing key … moveToFinished), not as connection errors', async () => {
    let redis = await startRedis(undefined, false);
    cleanups.push(() => redis.stop());
    const prefix = uniquePrefix();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    @Injectable()
    class SlowJobs {
      @JobHandler('slow')
      async slow() {
        await gate;
        return 'done';
      }
    }
    const { app, jobs, logger } = await jobsApp(
      { connection: redis.url, prefix, shutdownGraceMs: 500 },
      [SlowJobs],
    );
    cleanups.push(() => app.close());
    const ref = await jobs.enqueue({ name: 'slow' });
    await waitFor(
      async () => (await jobs.get(ref.id))?.status === 'active',
      10_000,
      'job to start',
    );

    // No persistence: the restarted Redis is empty, so recording the job's result must fail.
    await redis.stop({ keepDir: true, signal: 'SIGKILL' });
    await waitFor(
      () => logger.text().includes('Redis connection error'),
      10_000,
      'the outage to be logged',
    );
    redis = await startRedis(redis, false);
    await waitFor(
      () => logger.text().includes('Redis connection restored'),
      20_000,
      'the reconnect to be logged',
    );
    release();
    await waitFor(
      () => /Missing key for job/.test(logger.text()),
      10_000,
      'the moveToFinished error to be logged',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${logger.text()}`);
    });
    const line = logger.lines.find((l) => l.includes('Missing key for job'))!;
    expect(line).toContain('Worker "default"');
    expect(line).not.toContain('Redis connection error');
  });

  it('a worker killed (kill -9) while BullMQ records a job as finished: the job is completed by another worker, none left active', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { prefix, jobs, env } = await producerOn(redis);
    const victim = spawn({ ...env, DIE_IN_FINISH: '1' });
    await victim.ready;
    const ref = await jobs.enqueue({ name: 'die-in-finish' });
    expect(await victim.exited).toBeNull();
    expect(victim.child.signalCode).toBe('SIGKILL');
    const probe = probeOn(redis);
    // It died after its handler returned and before moveToFinished ran (Redis held it): still active.
    expect(await probe.hget(`${prefix}:dying`, ref.id)).toBe(
      String(victim.pid),
    );
    expect((await jobs.get(ref.id))?.status).toBe('active');

    const survivor = spawn(env);
    await survivor.ready;
    await waitAllFinal(jobs, [ref.id], 30_000);
    const info = await jobs.get(ref.id);
    expect(info).toMatchObject({
      status: 'completed',
      result: { pid: survivor.pid },
    });
    // At least once: the handler ran in both processes.
    expect(await probe.hget(`${prefix}:runs`, ref.id)).toBe('2');
    expect(await terminate(survivor)).toBeLessThan(EXIT_BOUND_MS);
    expect(survivor.output()).toContain('Worker stopped: queue "default"');
  });

  it('a heartbeat hash corrupted by hand: bad entries are skipped, pruned and logged once; enqueue, workers(), stats() keep working', async () => {
    const redis = await startRedis(undefined, false);
    cleanups.push(() => redis.stop());
    const { prefix, jobs, logger, env } = await producerOn(redis);
    const worker = spawn(env);
    await worker.ready;
    await waitFor(
      async () => (await jobs.workers()).length === 1,
      10_000,
      'the worker heartbeat',
    );

    const key = `${prefix}:nestjs-jobs:workers`;
    const now = new Date().toISOString();
    const bad: Record<string, string> = {
      'not-json': '{oops',
      'json-null': 'null',
      'json-array': '[1,2]',
      'json-string': '"hello"',
      'bad-dates': JSON.stringify({
        id: 'x',
        host: 'h',
        pid: 1,
        queues: ['default'],
        concurrency: { default: 1 },
        startedAt: 'yesterday',
        lastSeen: 'now',
      }),
      'queues-not-list': JSON.stringify({
        id: 'y',
        host: 'h',
        pid: 1,
        queues: 'default',
        concurrency: { default: 1 },
        startedAt: now,
        lastSeen: now,
      }),
      'concurrency-not-numbers': JSON.stringify({
        id: 'z',
        host: 'h',
        pid: 1,
        queues: ['default'],
        concurrency: { default: 'many' },
        startedAt: now,
        lastSeen: now,
      }),
    };
    const probe = probeOn(redis);
    await probe.hset(key, bad);

    const ref = await jobs.enqueue({ name: 'work', data: { ms: 10 } });
    // What the demo's POST /jobs/:name does after enqueueing, and what the admin views and the metrics read.
    expect(await jobs.queuesWithoutWorkers()).toEqual([]);
    const live = await jobs.workers();
    expect(live.map((w) => w.pid)).toEqual([worker.pid]);
    const stats = await jobs.stats();
    expect(stats.find((s) => s.queue === 'default')).toMatchObject({
      workers: 1,
    });
    await jobs.workers();
    // Pruned: only the live worker's own entry is left, and each bad one was reported once.
    expect(Object.keys(await probe.hgetall(key))).toEqual([live[0].id]);
    for (const field of Object.keys(bad)) {
      expect(
        logger.lines.filter(
          (l) => l.startsWith('WARN') && l.includes(`"${field}"`),
        ),
      ).toHaveLength(1);
    }
    await waitAllFinal(jobs, [ref.id], 20_000);
    expect((await jobs.get(ref.id))?.status).toBe('completed');
    expect(await terminate(worker)).toBeLessThan(EXIT_BOUND_MS);
  });

  it('a cancel sent while no worker process runs is kept: the job, restarted later, fails with JobCancelledError and never runs again', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { prefix, jobs, env } = await producerOn(redis);
    const first = spawn(env);
    await first.ready;
    const ref = await jobs.enqueue({ name: 'work', data: { ms: 2_000 } });
    const probe = probeOn(redis);
    await waitFor(
      () => probe.hget(`${prefix}:starts`, ref.id),
      20_000,
      'job to start',
    );

    // The worker process restarts: killed, and the cancel is published while nobody listens.
    await kill(first, 'SIGKILL');
    expect(await jobs.cancel(ref.id, 'operator pressed stop')).toBe(
      'signalled',
    );
    const next = spawn(env);
    await next.ready;
    await waitAllFinal(jobs, [ref.id], 30_000);
    expect(await jobs.get(ref.id)).toMatchObject({
      status: 'failed',
      error: 'Job cancelled: operator pressed stop.',
      result: null,
    });
    // Started once, in the killed process; never again.
    expect(await probe.hget(`${prefix}:starts`, ref.id)).toBe('1');
    expect(await probe.hget(`${prefix}:runs`, ref.id)).toBeNull();
    expect(next.output()).toMatch(
      /failed \(attempt 1\/\d+, final\): Job cancelled: operator pressed stop\./,
    );
    expect(await terminate(next)).toBeLessThan(EXIT_BOUND_MS);
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
