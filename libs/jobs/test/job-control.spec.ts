import Redis from 'ioredis';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { IsInt } from 'class-validator';
import {
  JobContext,
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  JobValidationError,
  type JobHandlerOptions,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { Autoscaler } from '../src/workers/autoscaler';
import { countJobs, createJobsApp, deleteKeys, redisUrl, sleep, uniquePrefix, waitFor, type JobsTestApp } from './support/test-app';
import { kill, spawnWorker, type WorkerProcess } from './support/processes';

jest.setTimeout(120_000);

@Injectable()
class Handlers {
  static events: string[] = [];
  static inFlight = 0;
  static maxInFlight = 0;
  static starts: number[] = [];

  @JobHandler('stubborn', { timeout: 300, attempts: 2 })
  async stubborn(_data: unknown, ctx: JobContext) {
    ctx.signal.addEventListener('abort', () => Handlers.events.push(`aborted:${ctx.attempt}`));
    // Ignores its signal on purpose: the slot must be freed anyway.
    await sleep(2_000);
    Handlers.events.push('stubborn finished');
    return 'too late';
  }

  @JobHandler('sleep')
  async sleep(data: { ms: number }) {
    Handlers.starts.push(Date.now());
    Handlers.inFlight++;
    Handlers.maxInFlight = Math.max(Handlers.maxInFlight, Handlers.inFlight);
    try {
      await sleep(data.ms);
    } finally {
      Handlers.inFlight--;
    }
    return 'slept';
  }

  @JobHandler('quick')
  quick() {
    return Date.now();
  }

  @JobHandler('polite')
  async polite(_data: unknown, ctx: JobContext) {
    Handlers.events.push('polite started');
    // Runs until its signal aborts, then gives up as a well-behaved long job should.
    await new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () => {
        Handlers.events.push(`polite aborted: ${ctx.signal.reason}`);
        reject(new Error(`stopped: ${ctx.signal.reason}`));
      }),
    );
  }
}

const finished = (t: JobsTestApp, id: string, ms = 20_000) =>
  waitFor(async () => {
    const info = await t.jobs.get(id);
    return info?.status === 'completed' || info?.status === 'failed' ? info : null;
  }, ms, `job ${id} to finish`);

beforeEach(() => {
  Handlers.events = [];
  Handlers.inFlight = 0;
  Handlers.maxInFlight = 0;
  Handlers.starts = [];
});

describe('scheduled jobs (runAt)', () => {
  let t: JobsTestApp;
  beforeEach(async () => (t = await createJobsApp({ workers: false }, [Handlers])));
  afterEach(() => t.close());

  it('delays a job until runAt, and runs a runAt in the past now', async () => {
    const later = await t.jobs.enqueue({ name: 'quick', options: { runAt: new Date(Date.now() + 60_000) } });
    const past = await t.jobs.enqueue({ name: 'quick', options: { runAt: new Date(Date.now() - 60_000) } });
    expect((await t.jobs.get(later.id))?.status).toBe('delayed');
    expect((await t.jobs.get(past.id))?.status).toBe('waiting');
    const delay = (await t.app.get<Queue>(getQueueToken('default')).getJob(later.id))!.opts.delay!;
    expect(delay).toBeGreaterThan(55_000);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it.each([
    [{ runAt: new Date('not a date') }, /invalid option runAt: null\. Expected a valid Date/],
    [{ runAt: '2030-01-01' }, /invalid option runAt: "2030-01-01"\. Expected a valid Date/],
    [{ runAt: new Date(), delay: 5 }, /Expected either delay or runAt, not both/],
    [{ timeout: -5 }, /invalid option timeout: -5\. Expected a positive integer \(milliseconds\)/],
    [{ uniqueFor: 1000 }, /invalid option uniqueFor: 1000\. Expected to come with a uniqueKey/],
  ])('rejects bad options %j and enqueues nothing', async (options, message) => {
    await expect(t.jobs.enqueue({ name: 'quick', options: options as any })).rejects.toThrow(JobValidationError);
    await expect(t.jobs.enqueue({ name: 'quick', options: options as any })).rejects.toThrow(message);
    expect(await countJobs(t)).toBe(0);
  });
});

describe('time limits', () => {
  it('aborts the signal, fails the attempt with JobTimeoutError, retries, and frees the slot even if the handler ignores the signal', async () => {
    const t = await createJobsApp({ queues: { default: 1 } }, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({ name: 'stubborn' });
      const info = await finished(t, ref.id);
      expect(info.status).toBe('failed');
      expect(info.error).toMatch(/^Job timed out after 300 ms\./);
      expect(info.attemptsMade).toBe(2);
      expect(Handlers.events).toEqual(expect.arrayContaining(['aborted:1', 'aborted:2']));
      // Two 2-second handlers were still running, yet with concurrency 1 the next job runs now.
      const next = await t.jobs.enqueue({ name: 'quick' });
      expect((await finished(t, next.id, 1_500)).status).toBe('completed');
      expect(Handlers.events).not.toContain('stubborn finished');
      const active = await t.app.get<Queue>(getQueueToken('default')).getActiveCount();
      expect(active).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('lets an enqueue timeout override the handler default', async () => {
    const t = await createJobsApp({}, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({ name: 'sleep', data: { ms: 1_000 }, options: { timeout: 100 } });
      const info = await finished(t, ref.id);
      expect(info).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Job timed out after 100 ms/) });
    } finally {
      await t.close();
    }
  });
});

describe('shutdown deadline', () => {
  it('aborts the signal of jobs still running at shutdownGraceMs, and leaves them to go back to the queue rather than fail', async () => {
    Handlers.events = [];
    const t = await createJobsApp({ queues: { default: 1 }, shutdownGraceMs: 200 }, [Handlers]);
    const ref = await t.jobs.enqueue({ name: 'polite' });
    await waitFor(() => Handlers.events.includes('polite started'), 10_000, 'the job to start');
    const redis = new Redis(redisUrl());
    try {
      await t.app.close();
      expect(Handlers.events).toContain('polite aborted: shutdown');
      const key = `${t.prefix}:default:${ref.id}`;
      // Still active and locked: not failed, although its handler threw once the signal aborted.
      expect(await redis.zscore(`${t.prefix}:default:failed`, ref.id)).toBeNull();
      expect(await redis.lpos(`${t.prefix}:default:active`, ref.id)).not.toBeNull();
      expect(await redis.hget(key, 'failedReason')).toBeNull();
    } finally {
      redis.disconnect();
      await deleteKeys(t.prefix);
    }
  });
});

describe('cancelling', () => {
  it('removes a waiting or delayed job', async () => {
    const t = await createJobsApp({ workers: false }, [Handlers]);
    try {
      const waiting = await t.jobs.enqueue({ name: 'quick' });
      const delayed = await t.jobs.enqueue({ name: 'quick', options: { delay: 60_000 } });
      expect(await t.jobs.cancel(waiting.id)).toBe('removed');
      expect(await t.jobs.cancel(delayed.id, 'not needed')).toBe('removed');
      expect(await t.jobs.get(waiting.id)).toBeNull();
      expect(await t.jobs.get(delayed.id)).toBeNull();
      expect(await t.jobs.cancel('no-such-job')).toBe('not-found');
    } finally {
      await t.close();
    }
  });

  it('aborts a running job in another process: it fails with the reason, is not retried, and its result is discarded', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp({ prefix, queues: { high_priority: 1, low_priority: 1 }, workers: false }, [Producer]);
    const worker = spawnWorker(['default'], { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix });
    const redis = new Redis(redisUrl());
    try {
      await worker.ready;
      const ref = await producer.jobs.enqueue({ name: 'work', data: { ms: 5_000 }, options: { attempts: 3 } });
      await waitFor(() => redis.hget(`${prefix}:running`, ref.id), 20_000, 'job to start');
      expect(await producer.jobs.cancel(ref.id, 'operator pressed stop')).toBe('signalled');
      const info = await finished(producer, ref.id, 3_000);
      expect(info).toMatchObject({ status: 'failed', error: 'Job cancelled: operator pressed stop.', result: null, attemptsMade: 1 });
      expect(await producer.jobs.cancel(ref.id)).toBe('finished');
      // The handler ignored the signal and finished later; nothing it returned reached the job.
      await sleep(5_500);
      expect(await producer.jobs.get(ref.id)).toMatchObject({ status: 'failed', result: null });
    } finally {
      await kill(worker);
      redis.disconnect();
      await producer.close();
    }
  });

  it('rejects a reason that is not a string', async () => {
    const t = await createJobsApp({ workers: false }, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({ name: 'quick' });
      await expect(t.jobs.cancel(ref.id, 42 as any)).rejects.toThrow('cancel() takes an optional reason string, got 42.');
      expect((await t.jobs.get(ref.id))?.status).toBe('waiting');
    } finally {
      await t.close();
    }
  });
});

@Injectable()
class Producer {
  @JobHandler('work')
  work() {}
}

describe('unique jobs', () => {
  let t: JobsTestApp;
  afterEach(() => t.close());

  it('returns the existing job while one with the same uniqueKey is waiting, and adds nothing', async () => {
    t = await createJobsApp({ workers: false }, [Handlers]);
    const first = await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'device-7' } });
    const second = await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'device-7' } });
    expect(second).toEqual(first);
    expect(await countJobs(t)).toBe(1);
    const other = await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'device-8' } });
    expect(other.id).not.toBe(first.id);
  });

  it('keeps dropping duplicates inside uniqueFor after the first job finished, and allows a new one after a plain key finished', async () => {
    t = await createJobsApp({}, [Handlers]);
    const windowed = await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'nightly', uniqueFor: 60_000 } });
    await finished(t, windowed.id);
    expect((await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'nightly', uniqueFor: 60_000 } })).id).toBe(windowed.id);

    const plain = await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'once-at-a-time' } });
    await finished(t, plain.id);
    expect((await t.jobs.enqueue({ name: 'quick', options: { uniqueKey: 'once-at-a-time' } })).id).not.toBe(plain.id);
  });
});

describe('rate limits', () => {
  it('runs at most limiter.max jobs per limiter.duration', async () => {
    const t = await createJobsApp({ queues: { default: { concurrency: 10, limiter: { max: 2, duration: 1_000 } } } }, [Handlers]);
    try {
      const refs = await t.jobs.enqueueMany(Array.from({ length: 6 }, () => ({ name: 'sleep', data: { ms: 1 } })));
      for (const ref of refs) await finished(t, ref.id);
      const first = Math.min(...Handlers.starts);
      // Generous: whatever the machine's speed, no more than 2 may start in the first window.
      expect(Handlers.starts.filter((s) => s - first < 900).length).toBeLessThanOrEqual(2);
      expect(Handlers.starts).toHaveLength(6);
    } finally {
      await t.close();
    }
  });
});

describe('concurrency at run time', () => {
  it('setConcurrency changes a running worker pool without a restart', async () => {
    const t = await createJobsApp({ queues: { default: 1 }, heartbeatIntervalMs: 200 }, [Handlers]);
    try {
      expect(await t.jobs.setConcurrency('default', 4)).toBe(1);
      await waitFor(async () => (await t.jobs.workers())[0]?.concurrency.default === 4, 3_000, 'heartbeat to show 4');
      const refs = await t.jobs.enqueueMany(Array.from({ length: 12 }, () => ({ name: 'sleep', data: { ms: 300 } })));
      for (const ref of refs) await finished(t, ref.id);
      expect(Handlers.maxInFlight).toBe(4);
    } finally {
      await t.close();
    }
  });

  it('reaches every worker process within about a second', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp({ prefix, queues: { high_priority: 1, low_priority: 1 }, workers: false, heartbeatIntervalMs: 200 }, [Producer]);
    const workers: WorkerProcess[] = [spawnWorker(['default'], { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix }), spawnWorker(['default'], { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix })];
    try {
      await Promise.all(workers.map((w) => w.ready));
      await waitFor(async () => (await producer.jobs.workers()).length === 2, 5_000, 'two heartbeats');
      expect(await producer.jobs.setConcurrency('default', 7)).toBe(2);
      const live = await waitFor(async () => {
        const w = await producer.jobs.workers();
        return w.length === 2 && w.every((x) => x.concurrency.default === 7) ? w : null;
      }, 3_000, 'both processes to report concurrency 7');
      expect(live.map((w) => w.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
    } finally {
      await Promise.all(workers.map((w) => kill(w)));
      await producer.close();
    }
  });

  it('rejects an unknown queue or a bad number, and changes nothing', async () => {
    const t = await createJobsApp({ queues: { default: 2 }, heartbeatIntervalMs: 200 }, [Handlers]);
    try {
      await expect(t.jobs.setConcurrency('nope', 3)).rejects.toThrow(/Queue "nope" is not configured/);
      await expect(t.jobs.setConcurrency('default', 0)).rejects.toThrow('Concurrency for queue "default" must be a positive integer, got 0.');
      await sleep(300);
      expect((await t.jobs.workers())[0].concurrency).toEqual({ default: 2 });
    } finally {
      await t.close();
    }
  });

  it('globalConcurrency caps jobs in flight across 3 processes together', async () => {
    const prefix = uniquePrefix();
    const producer = await createJobsApp({ prefix, queues: { high_priority: 1, low_priority: 1 }, workers: false }, [Producer]);
    const env = { REDIS_URL: redisUrl(), JOBS_PREFIX: prefix, GLOBAL_CONCURRENCY: '3' };
    const workers = [0, 1, 2].map(() => spawnWorker(['low_priority', '--concurrency', 'low_priority=4'], env));
    const redis = new Redis(redisUrl());
    try {
      await Promise.all(workers.map((w) => w.ready));
      const refs = await producer.jobs.enqueueMany(Array.from({ length: 30 }, () => ({ name: 'work', data: { ms: 150 } })), 'low_priority');
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

describe('autoscaling', () => {
  it('decides: doubles while jobs wait, halves after idle samples, within bounds', () => {
    const bounds = { min: 1, max: 16 };
    expect(Autoscaler.decide(1, 50, bounds, 0)).toBe(2);
    expect(Autoscaler.decide(8, 50, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 50, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 0, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 0, bounds, 4)).toBe(8);
    expect(Autoscaler.decide(1, 0, bounds, 10)).toBe(1);
  });

  it('raises a queue above its minimum when a backlog builds, never above its maximum', async () => {
    const t = await createJobsApp({ queues: { default: { concurrency: { min: 1, max: 4 } } }, heartbeatIntervalMs: 200 }, [Handlers]);
    try {
      const refs = await t.jobs.enqueueMany(Array.from({ length: 40 }, () => ({ name: 'sleep', data: { ms: 250 } })));
      for (const ref of refs) await finished(t, ref.id, 60_000);
      expect(Handlers.maxInFlight).toBeGreaterThan(1);
      expect(Handlers.maxInFlight).toBeLessThanOrEqual(4);
    } finally {
      await t.close();
    }
  });
});

describe('recurring jobs', () => {
  @Injectable()
  class Housekeeping {
    static runs: string[] = [];
    @JobHandler('housekeeping', { queue: 'low_priority', repeat: { every: '1s' } })
    run(_d: unknown, ctx: JobContext) {
      Housekeeping.runs.push(ctx.queue);
    }
  }
  @Injectable()
  class NoLongerRepeating {
    @JobHandler('housekeeping', { queue: 'low_priority' })
    run() {}
  }
  const options: JobsModuleOptions = { queues: { low_priority: 1 } };

  it('registers once however many processes start, runs on its own queue every time, and is removed with the repeat option', async () => {
    const prefix = uniquePrefix();
    const a = await createJobsApp({ ...options, prefix }, [Housekeeping]);
    const b = await createJobsApp({ ...options, prefix, workers: false }, [Housekeeping]);
    try {
      const schedules = await b.jobs.schedules();
      expect(schedules).toEqual([{ name: 'housekeeping', queue: 'low_priority', every: 1_000, next: expect.any(Date) }]);
      await waitFor(() => Housekeeping.runs.length >= 2, 10_000, 'two runs');
      expect(new Set(Housekeeping.runs)).toEqual(new Set(['low_priority']));
    } finally {
      await a.app.close();
      await b.app.close();
    }
    const c = await createJobsApp({ ...options, prefix, workers: false }, [NoLongerRepeating]);
    try {
      expect(await c.jobs.schedules()).toEqual([]);
    } finally {
      await c.close();
    }
  });

  const boot = async (handler: JobHandlerOptions, moduleOptions: JobsModuleOptions = {}) => {
    @Injectable()
    class Bad {
      @JobHandler('bad', handler)
      run() {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [JobsModule.forRoot({ connection: redisUrl(), prefix: uniquePrefix(), workers: false, ...moduleOptions })],
      providers: [Bad],
    }).compile();
    await moduleRef.createNestApplication({ logger: false }).init();
  };

  class Payload {
    @IsInt()
    n!: number;
  }

  it.each([
    [{ repeat: { cron: '61 * * * *' } }, /@JobHandler\('bad'\) on Bad\.run: repeat\.cron "61 \* \* \* \*" is not a valid cron expression/],
    [{ repeat: { every: '1 fortnight' } }, /repeat\.every "1 fortnight" is not an interval/],
    [{ repeat: { every: '1h', cron: '* * * * *' } }, /repeat needs exactly one of every or cron/],
    [{ repeat: { cron: '0 3 * * *', tz: 'Mars/Olympus' } }, /repeat\.tz "Mars\/Olympus" is not a time zone/],
    [{ repeat: { every: 1000, data: { n: 'x' } }, payload: Payload }, /Job "bad" has invalid data: n must be an integer number/],
    [{ timeout: -1 }, /invalid option timeout: -1/],
  ])('fails at start-up on bad handler options %j', async (handler, message) => {
    await expect(boot(handler as JobHandlerOptions)).rejects.toThrow(message);
  });

  it.each([
    [{ queues: { default: { concurrency: { min: 5, max: 2 } } } }, /queues\.default\.concurrency is invalid: \{"min":5,"max":2\}\. Expected \{ min, max \} with min <= max/],
    [{ queues: { default: { concurrency: 1, limiter: { max: 0, duration: 1000 } } } }, /queues\.default\.limiter\.max is invalid: 0/],
    [{ queues: { default: { concurrency: 1, globalConcurrency: -1 } } }, /queues\.default\.globalConcurrency is invalid: -1/],
  ])('fails at start-up on bad queue options %j', async (moduleOptions, message) => {
    await expect(boot({}, moduleOptions as JobsModuleOptions)).rejects.toThrow(JobsConfigurationError);
    await expect(boot({}, moduleOptions as JobsModuleOptions)).rejects.toThrow(message);
  });
});
