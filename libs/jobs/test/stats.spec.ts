import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { UnknownQueueError, type QueueStats } from 'nestjs-jobs';
import { FinishedJobsCounter } from '../src/workers/finished-jobs-counter';
import {
  countJobs,
  createJobsApp,
  sleep,
  waitFor,
  type JobsTestApp,
} from './support/test-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

const byQueue = (stats: QueueStats[], queue: string) =>
  stats.find((s) => s.queue === queue)!;

describe('JobService.stats()', () => {
  let t: JobsTestApp;

  beforeEach(async () => {
    // `idle` has no worker anywhere, so its jobs stay waiting.
    t = await createJobsApp(
      {
        queues: { default: 1, fast: 3, idle: 1 },
        workers: ['default', 'fast'],
        heartbeatIntervalMs: 200,
      },
      [MonitoringHandlers],
    );
  });

  afterEach(async () => {
    t.app.get(MonitoringHandlers).releaseAll();
    await t.close();
  });

  it('counts finished jobs, last-minute throughput, concurrency and live workers per queue', async () => {
    await t.jobs.enqueueMany(
      [
        { name: 'ok' },
        { name: 'ok' },
        { name: 'ok' },
        { name: 'boom' },
        { name: 'boom' },
      ],
      'fast',
    );
    const fast = await waitFor(
      async () => {
        const s = byQueue(await t.jobs.stats(), 'fast');
        // lastMinute arrives with the worker's next heartbeat (every 200 ms here).
        return s.counts.completed === 3 &&
          s.counts.failed === 2 &&
          s.workers === 1 &&
          s.lastMinute.completed + s.lastMinute.failed === 5
          ? s
          : null;
      },
      10_000,
      'fast to finish 5 jobs and report them',
    );
    expect(fast).toEqual({
      queue: 'fast',
      counts: { waiting: 0, active: 0, delayed: 0, completed: 3, failed: 2 },
      paused: false,
      concurrency: 3,
      workers: 1,
      oldestWaitingMs: 0,
      lastMinute: { completed: 3, failed: 2 },
      pool: null,
    });
    const idle = byQueue(await t.jobs.stats(), 'idle');
    expect(idle.workers).toBe(0);
    expect(idle.lastMinute).toEqual({ completed: 0, failed: 0 });
  });

  it('reports waiting, delayed and active jobs, the age of the oldest waiting one, and pauses', async () => {
    await t.jobs.enqueue({ name: 'ok' }, 'idle');
    await t.jobs.enqueue({ name: 'ok', options: { delay: 60_000 } }, 'idle');
    const held = await t.jobs.enqueue({ name: 'hold' }, 'default');
    await waitFor(
      () => t.app.get(MonitoringHandlers).started.has(held.id),
      10_000,
      'the held job to start',
    );
    // Time must pass: oldestWaitingMs below measures it.
    await sleep(300);
    await t.app.get<Queue>(getQueueToken('idle')).pause();
    await t.jobs.enqueue({ name: 'ok' }, 'idle');

    const [def, idle] = await t.jobs
      .stats()
      .then((s) => [byQueue(s, 'default'), byQueue(s, 'idle')]);
    expect(def.counts.active).toBe(1);
    expect(idle.counts).toEqual({
      waiting: 2,
      active: 0,
      delayed: 1,
      completed: 0,
      failed: 0,
    });
    expect(idle.paused).toBe(true);
    // The first job has waited at least the 300 ms slept above; generous upper bound.
    expect(idle.oldestWaitingMs).toBeGreaterThanOrEqual(300);
    expect(idle.oldestWaitingMs).toBeLessThan(60_000);
  });

  it('reads one queue when asked, and rejects an unknown queue naming the configured ones', async () => {
    const one = await t.jobs.stats('idle');
    expect(one.map((s) => s.queue)).toEqual(['idle']);
    await expect(t.jobs.stats('nope')).rejects.toThrow(UnknownQueueError);
    await expect(t.jobs.stats('nope')).rejects.toThrow(
      /Configured queues: default, fast, idle/,
    );
    expect(await countJobs(t)).toBe(0);
  });
});

describe('FinishedJobsCounter', () => {
  const T0 = 1_800_000_000_000;
  const at = (seconds: number) => T0 + seconds * 1000;

  it('counts what finished in the last 60 s and forgets older jobs', () => {
    const counter = new FinishedJobsCounter();
    counter.completed(at(0));
    counter.completed(at(0.5));
    counter.failed(at(10));
    counter.completed(at(59));
    expect(counter.lastMinute(at(59))).toEqual({ completed: 3, failed: 1 });
    // At 60 s the jobs of second 0 have left the window.
    expect(counter.lastMinute(at(60))).toEqual({ completed: 1, failed: 1 });
    expect(counter.lastMinute(at(70))).toEqual({ completed: 1, failed: 0 });
    expect(counter.lastMinute(at(200))).toEqual({ completed: 0, failed: 0 });
  });

  it('reuses a bucket a minute later without carrying its old count', () => {
    const counter = new FinishedJobsCounter();
    counter.completed(at(5));
    counter.completed(at(5));
    counter.completed(at(65)); // the same bucket as second 5
    expect(counter.lastMinute(at(65))).toEqual({ completed: 1, failed: 0 });
  });

  it('is zero before any job has finished', () => {
    expect(new FinishedJobsCounter().lastMinute()).toEqual({
      completed: 0,
      failed: 0,
    });
  });
});
