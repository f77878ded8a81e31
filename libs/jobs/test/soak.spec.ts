import Redis from 'ioredis';
import { Test } from '@nestjs/testing';
import { JobsConnectionError, JobsModule, JobService } from 'nestjs-jobs';
import { sleep, uniquePrefix, waitFor } from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';
import { Producer } from './support/producer';
import { startPrivateRedis } from '../../../scripts/private-redis';

interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

/** A Redis of this test's own, with AOF on, that it may restart on the same port and data. */
async function startAofRedis(previous?: PrivateRedis): Promise<PrivateRedis> {
  return startPrivateRedis({
    appendonly: true,
    port: previous?.port,
    dir: previous?.dir,
  });
}

async function producerApp(
  url: string,
  prefix: string,
  enqueueTimeoutMs = 5_000,
) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      JobsModule.forRoot({
        connection: url,
        prefix,
        workers: false,
        enqueueTimeoutMs,
        queues: { default: 1, high_priority: 1, low_priority: 1 },
        heartbeatIntervalMs: 200,
      }),
    ],
    providers: [Producer],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, jobs: app.get(JobService) };
}

jest.setTimeout(240_000);

describe('Redis outage', () => {
  it('workers resume by themselves after Redis restarts; enqueue rejects in bounded time while it is down, then works again', async () => {
    let redis = await startAofRedis();
    const prefix = uniquePrefix();
    const worker = spawnWorker(['default'], {
      REDIS_URL: redis.url,
      JOBS_PREFIX: prefix,
    });
    const { app, jobs } = await producerApp(redis.url, prefix, 1_000);
    try {
      await worker.ready;
      const before = await jobs.enqueue({ name: 'work', data: { ms: 10 } });
      await waitFor(
        async () => (await jobs.get(before.id))?.status === 'completed',
        20_000,
        'job before the outage',
      );

      await redis.stop({ keepDir: true });
      const started = Date.now();
      await expect(
        jobs.enqueue({ name: 'work', data: { ms: 10 } }),
      ).rejects.toThrow(JobsConnectionError);
      expect(Date.now() - started).toBeLessThan(10_000);

      redis = await startAofRedis(redis);
      // The producer reconnects by itself; give it the same bounded wait a caller would retry with.
      const after = await waitFor(
        () =>
          jobs.enqueue({ name: 'work', data: { ms: 10 } }).catch(() => null),
        20_000,
        'enqueue to succeed after Redis is back',
      );
      await waitFor(
        async () => (await jobs.get(after.id))?.status === 'completed',
        30_000,
        'worker to resume',
      );
      // Data written before the restart survived it (AOF).
      expect((await jobs.get(before.id))?.status).toBe('completed');
      // The enqueue that was rejected during the outage was not added later: only before and after exist.
      const probe = new Redis(redis.url);
      const completed = await probe.zrange(
        `${prefix}:default:completed`,
        0,
        -1,
      );
      probe.disconnect();
      expect(completed.sort()).toEqual([before.id, after.id].sort());
    } finally {
      await kill(worker);
      await app.close();
      await redis.stop();
    }
  });
});

describe('soak: 2,000 jobs, 3 worker processes, 5 kill -9s and a Redis restart', () => {
  it('completes every job (at-least-once): lost 0', async () => {
    const TOTAL = 2_000;
    let redis = await startAofRedis();
    const prefix = uniquePrefix();
    const env = { REDIS_URL: redis.url, JOBS_PREFIX: prefix, LOCK_MS: '1000' };
    const workers: WorkerProcess[] = [0, 1, 2].map(() => spawnWorker([], env));
    const { app, jobs } = await producerApp(redis.url, prefix);
    const probe = new Redis(redis.url, { maxRetriesPerRequest: null });
    try {
      await Promise.all(workers.map((w) => w.ready));
      const queues = ['default', 'high_priority', 'low_priority'];
      const ids: string[] = [];
      for (let i = 0; i < TOTAL; i += 500) {
        const batch = Array.from({ length: 500 }, (_, j) => ({
          name: 'work',
          data: { ms: 5 + ((i + j) % 4) * 10 },
        }));
        const refs = await jobs.enqueueMany(batch, queues[(i / 500) % 3]);
        ids.push(...refs.map((r) => r.id));
      }

      // Chaos, bounded: 5 kill -9s of a random worker (each restarted), and one Redis restart after the third.
      for (let round = 1; round <= 5; round++) {
        await sleep(1_000 + Math.floor(Math.random() * 1_000));
        const index = Math.floor(Math.random() * workers.length);
        await kill(workers[index], 'SIGKILL');
        workers[index] = spawnWorker([], env);
        if (round === 3) {
          await redis.stop({ keepDir: true });
          await sleep(500);
          redis = await startAofRedis(redis);
        }
      }

      const runs = await waitFor(
        async () => {
          const counts = await probe
            .hgetall(`${prefix}:runs`)
            .catch((): Record<string, string> => ({}));
          return Object.keys(counts).length >= TOTAL ? counts : null;
        },
        180_000,
        'every job to run',
      );
      const lost = ids.filter((id) => !runs[id]).length;
      const ranTwice = ids.filter((id) => Number(runs[id]) > 1).length;
      console.log(
        `soak: ${TOTAL} jobs, lost: ${lost}, ran more than once: ${ranTwice} (at-least-once delivery)`,
      );
      expect(lost).toBe(0);
      // And every job ended completed: none failed, none left waiting or active (~666 per queue is
      // within the default retention of 1,000 completed jobs per queue, so all are still there).
      const completed = await waitFor(
        async () => {
          const n = await Promise.all(
            queues.map((q) => probe.zcard(`${prefix}:${q}:completed`)),
          );
          const total = n.reduce((a, b) => a + b, 0);
          return total === TOTAL ? total : null;
        },
        60_000,
        'every job to be completed',
      );
      expect(completed).toBe(TOTAL);
      const failed = await Promise.all(
        queues.map((q) => probe.zcard(`${prefix}:${q}:failed`)),
      );
      expect(failed).toEqual([0, 0, 0]);
    } finally {
      await Promise.all(workers.map((w) => kill(w)));
      probe.disconnect();
      await app.close();
      await redis.stop();
    }
  });
});
