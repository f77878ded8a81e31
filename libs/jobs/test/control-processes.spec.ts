import Redis from 'ioredis';
import {
  createJobsApp,
  finished,
  redisUrl,
  sleep,
  uniquePrefix,
  waitFor,
} from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';
import { Producer } from './support/producer';

jest.setTimeout(120_000);

// Cancel and concurrency changes reach worker processes over the control channel (the in-process
// cases are in cancel.spec.ts and concurrency.spec.ts).
describe('cancelling', () => {
  it('aborts a running job in another process: it fails with the reason, is not retried, and its result is discarded', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp(
      { prefix, queues: { high_priority: 1, low_priority: 1 }, workers: false },
      [Producer],
    );
    const worker = spawnWorker(['default'], {
      REDIS_URL: redisUrl(),
      JOBS_PREFIX: prefix,
    });
    const redis = new Redis(redisUrl());
    try {
      await worker.ready;
      const ref = await producer.jobs.enqueue({
        name: 'work',
        data: { ms: 5_000 },
        options: { attempts: 3 },
      });
      await waitFor(
        () => redis.hget(`${prefix}:running`, ref.id),
        20_000,
        'job to start',
      );
      expect(await producer.jobs.cancel(ref.id, 'operator pressed stop')).toBe(
        'signalled',
      );
      const info = await finished(producer, ref.id, 3_000);
      expect(info).toMatchObject({
        status: 'failed',
        error: 'Job cancelled: operator pressed stop.',
        result: null,
        attemptsMade: 1,
      });
      expect(await producer.jobs.cancel(ref.id)).toBe('finished');
      // The handler ignored the signal and finished later; nothing it returned reached the job. Time must
      // pass (its 5 s) to show a result does NOT arrive: there is no state to wait on.
      await sleep(5_500);
      expect(await producer.jobs.get(ref.id)).toMatchObject({
        status: 'failed',
        result: null,
      });
    } finally {
      await kill(worker);
      redis.disconnect();
      await producer.close();
    }
  });
});

describe('concurrency at run time', () => {
  it('reaches every worker process within about a second', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp(
      {
        prefix,
        queues: { high_priority: 1, low_priority: 1 },
        workers: false,
        heartbeatIntervalMs: 200,
      },
      [Producer],
    );
    const workers: WorkerProcess[] = [
      spawnWorker(['default'], { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix }),
      spawnWorker(['default'], { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix }),
    ];
    try {
      await Promise.all(workers.map((w) => w.ready));
      await waitFor(
        async () => (await producer.jobs.workers()).length === 2,
        5_000,
        'two heartbeats',
      );
      expect(await producer.jobs.setConcurrency('default', 7)).toBe(2);
      const live = await waitFor(
        async () => {
          const w = await producer.jobs.workers();
          return w.length === 2 && w.every((x) => x.concurrency.default === 7)
            ? w
            : null;
        },
        3_000,
        'both processes to report concurrency 7',
      );
      expect(live.map((w) => w.pid).sort()).toEqual(
        workers.map((w) => w.pid).sort(),
      );
    } finally {
      await Promise.all(workers.map((w) => kill(w)));
      await producer.close();
    }
  });

  it('globalConcurrency caps jobs in flight across 3 processes together', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp(
      { prefix, queues: { high_priority: 1, low_priority: 1 }, workers: false },
      [Producer],
    );
    const env = {
      REDIS_URL: redisUrl(),
      JOBS_PREFIX: prefix,
      GLOBAL_CONCURRENCY: '3',
    };
    const workers = [0, 1, 2].map(() =>
      spawnWorker(['low_priority', '--concurrency', 'low_priority=4'], env),
    );
    const redis = new Redis(redisUrl());
    try {
      await Promise.all(workers.map((w) => w.ready));
      const refs = await producer.jobs.enqueueMany(
        Array.from({ length: 30 }, () => ({ name: 'work', data: { ms: 150 } })),
        'low_priority',
      );
      for (const ref of refs) await finished(producer, ref.id, 60_000);
      // 3 processes x 4 slots = 12 could run at once without the global cap.
      expect(Number(await redis.get(`{${prefix}}:maxinflight`))).toBe(3);
    } finally {
      await Promise.all(workers.map((w) => kill(w)));
      redis.disconnect();
      await producer.close();
    }
  });
});
