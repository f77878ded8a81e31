import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { UnknownQueueError, type QueueStats } from 'nestjs-jobs';
import { finishedInLastMinute } from '../src/monitoring/queue-stats';
import { countJobs, createJobsApp, sleep, waitFor, type JobsTestApp } from './support/test-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

const byQueue = (stats: QueueStats[], queue: string) => stats.find((s) => s.queue === queue)!;

describe('JobService.stats()', () => {
  let t: JobsTestApp;

  beforeEach(async () => {
    // `idle` has no worker anywhere, so its jobs stay waiting.
    t = await createJobsApp(
      { queues: { default: 1, fast: 3, idle: 1 }, workers: ['default', 'fast'], heartbeatIntervalMs: 200 },
      [MonitoringHandlers],
    );
  });

  afterEach(async () => {
    t.app.get(MonitoringHandlers).releaseAll();
    await t.close();
  });

  it('counts finished jobs, last-minute throughput, concurrency and live workers per queue', async () => {
    await t.jobs.enqueueMany([{ name: 'ok' }, { name: 'ok' }, { name: 'ok' }, { name: 'boom' }, { name: 'boom' }], 'fast');
    const fast = await waitFor(async () => {
      const s = byQueue(await t.jobs.stats(), 'fast');
      return s.counts.completed === 3 && s.counts.failed === 2 && s.workers === 1 ? s : null;
    }, 10_000, 'fast to finish 5 jobs');
    expect(fast).toEqual({
      queue: 'fast',
      counts: { waiting: 0, active: 0, delayed: 0, completed: 3, failed: 2 },
      paused: false,
      concurrency: 3,
      workers: 1,
      oldestWaitingMs: 0,
      lastMinute: { completed: 3, failed: 2 },
    });
    const idle = byQueue(await t.jobs.stats(), 'idle');
    expect(idle.workers).toBe(0);
    expect(idle.lastMinute).toEqual({ completed: 0, failed: 0 });
  });

  it('reports waiting, delayed and active jobs, the age of the oldest waiting one, and pauses', async () => {
    await t.jobs.enqueue({ name: 'ok' }, 'idle');
    await t.jobs.enqueue({ name: 'ok', options: { delay: 60_000 } }, 'idle');
    const held = await t.jobs.enqueue({ name: 'hold' }, 'default');
    await waitFor(() => t.app.get(MonitoringHandlers).started.has(held.id), 10_000, 'the held job to start');
    await sleep(300);
    await t.app.get<Queue>(getQueueToken('idle')).pause();
    await t.jobs.enqueue({ name: 'ok' }, 'idle');

    const [def, idle] = await t.jobs.stats().then((s) => [byQueue(s, 'default'), byQueue(s, 'idle')]);
    expect(def.counts.active).toBe(1);
    expect(idle.counts).toEqual({ waiting: 2, active: 0, delayed: 1, completed: 0, failed: 0 });
    expect(idle.paused).toBe(true);
    // The first job has waited at least the 300 ms slept above; generous upper bound.
    expect(idle.oldestWaitingMs).toBeGreaterThanOrEqual(300);
    expect(idle.oldestWaitingMs).toBeLessThan(60_000);
  });

  it('reads one queue when asked, and rejects an unknown queue naming the configured ones', async () => {
    const one = await t.jobs.stats('idle');
    expect(one.map((s) => s.queue)).toEqual(['idle']);
    await expect(t.jobs.stats('nope')).rejects.toThrow(UnknownQueueError);
    await expect(t.jobs.stats('nope')).rejects.toThrow(/Configured queues: default, fast, idle/);
    expect(await countJobs(t)).toBe(0);
  });
});

describe('finishedInLastMinute', () => {
  const at = (minute: number, second: number) => minute * 60_000 + second * 1000;

  it('counts this minute fully and the previous minute by the share still inside the last 60 s', () => {
    const metrics = { meta: { count: 30, prevTS: at(10, 5), prevCount: 20 }, data: [60] };
    // 10 this minute; 45 s into minute 10, a quarter of minute 9 (60 jobs) is still in the window.
    expect(finishedInLastMinute(metrics, at(10, 45))).toBe(10 + 15);
    // Next minute: minute 10's 10 jobs count by the share left (half at 30 s).
    expect(finishedInLastMinute(metrics, at(11, 30))).toBe(5);
    // Two minutes later nothing is recent.
    expect(finishedInLastMinute(metrics, at(12, 0))).toBe(0);
  });

  it('is 0 before any job has finished', () => {
    expect(finishedInLastMinute({ meta: { count: 0, prevTS: 0, prevCount: 0 }, data: [] }, Date.now())).toBe(0);
  });
});
