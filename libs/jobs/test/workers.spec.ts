import { Injectable } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { IsInt } from 'class-validator';
import { JobContext, JobHandler } from 'nestjs-jobs';
import {
  createJobsApp,
  sleep,
  waitFor,
  type JobsTestApp,
} from './support/test-app';

/** Records how many jobs of each queue run at once. */
class InFlight {
  now = new Map<string, number>();
  max = new Map<string, number>();
  enter(queue: string) {
    const n = (this.now.get(queue) ?? 0) + 1;
    this.now.set(queue, n);
    this.max.set(queue, Math.max(n, this.max.get(queue) ?? 0));
  }
  leave(queue: string) {
    this.now.set(queue, this.now.get(queue)! - 1);
  }
}

class Echo {
  @IsInt()
  n!: number;
}

@Injectable()
class Handlers {
  static inFlight = new InFlight();
  static attempts: number[] = [];
  static release: () => void = () => undefined;

  @JobHandler('sleep')
  async sleep(data: { ms: number }, ctx: JobContext) {
    Handlers.inFlight.enter(ctx.queue);
    try {
      await sleep(data.ms);
    } finally {
      Handlers.inFlight.leave(ctx.queue);
    }
    return ctx.queue;
  }

  @JobHandler('urgent', { queue: 'high_priority' })
  urgent() {
    return Date.now();
  }

  @JobHandler('echo', { payload: Echo })
  async echo(data: Echo, ctx: JobContext) {
    // Destructured on purpose: ctx's methods work detached from ctx.
    const { log, progress } = ctx;
    await progress(50);
    await log('half way');
    await progress({ step: 'done' });
    return {
      n: data.n,
      isEcho: data instanceof Echo,
      id: ctx.id,
      name: ctx.name,
      attempt: ctx.attempt,
    };
  }

  @JobHandler('flaky', { attempts: 3, backoff: 10 })
  flaky(_data: unknown, ctx: JobContext) {
    Handlers.attempts.push(ctx.attempt);
    if (ctx.attempt < 3)
      throw new Error(`flaky failure on attempt ${ctx.attempt}`);
    return 'third time lucky';
  }

  @JobHandler('broken')
  broken() {
    throw new Error('disk full on /backups');
  }

  @JobHandler('gate')
  gate() {
    return new Promise<string>(
      (resolve) => (Handlers.release = () => resolve('released')),
    );
  }
}

const completed = (t: JobsTestApp, id: string) =>
  waitFor(
    async () => {
      const info = await t.jobs.get(id);
      return info?.status === 'completed' || info?.status === 'failed'
        ? info
        : null;
    },
    20_000,
    `job ${id} to finish`,
  );

describe('worker pools', () => {
  let t: JobsTestApp;
  beforeEach(async () => {
    Handlers.inFlight = new InFlight();
    Handlers.attempts = [];
    t = await createJobsApp({ queues: { default: 2, high_priority: 8 } }, [
      Handlers,
    ]);
  });
  afterEach(() => t.close());

  it('runs exactly the configured number of jobs at once per queue: 2 on default, 8 on high_priority', async () => {
    const sleeper = () => ({ name: 'sleep', data: { ms: 300 } });
    const refs = await t.jobs.enqueueMany(Array.from({ length: 8 }, sleeper));
    const urgentRefs = await t.jobs.enqueueMany(
      Array.from({ length: 24 }, sleeper),
      'high_priority',
    );
    for (const ref of [...refs, ...urgentRefs])
      expect((await completed(t, ref.id)).status).toBe('completed');
    expect(Handlers.inFlight.max.get('default')).toBe(2);
    expect(Handlers.inFlight.max.get('high_priority')).toBe(8);
  });

  it('completes an urgent job while default is saturated with slow jobs', async () => {
    const slow = await t.jobs.enqueueMany(
      Array.from({ length: 6 }, () => ({ name: 'sleep', data: { ms: 1_500 } })),
    );
    await waitFor(
      () => Handlers.inFlight.now.get('default') === 2,
      5_000,
      'default to be saturated',
    );
    const urgent = await t.jobs.enqueue({ name: 'urgent' });
    const info = await completed(t, urgent.id);
    expect(info.status).toBe('completed');
    // The slow backlog is still there: 6 jobs of 1.5 s on 2 workers need 4.5 s.
    const stillWaiting = await t.app
      .get<Queue>(getQueueToken('default'))
      .getWaitingCount();
    expect(stillWaiting).toBeGreaterThan(0);
    expect(info.finishedAt!.getTime()).toBeLessThan(
      (await completed(t, slow[5].id)).finishedAt!.getTime(),
    );
  });

  it('makes results, progress, logs and the context visible through get()', async () => {
    const ref = await t.jobs.enqueue({ name: 'echo', data: { n: 41 } });
    const info = await completed(t, ref.id);
    expect(info).toMatchObject({
      id: ref.id,
      name: 'echo',
      queue: 'default',
      status: 'completed',
      data: { n: 41 },
      result: { n: 41, isEcho: true, id: ref.id, name: 'echo', attempt: 1 },
      error: null,
      attemptsMade: 1,
      progress: { step: 'done' },
      logs: ['half way'],
    });
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(
      info.createdAt.getTime(),
    );
    expect(info.finishedAt!.getTime()).toBeGreaterThanOrEqual(
      info.startedAt!.getTime(),
    );
  });

  it('makes a failure visible through get(), with the error message', async () => {
    const ref = await t.jobs.enqueue({ name: 'broken' });
    const info = await completed(t, ref.id);
    expect(info).toMatchObject({
      status: 'failed',
      error: 'disk full on /backups',
      result: null,
      attemptsMade: 1,
    });
  });

  it('retries with the handler attempts and backoff, counting attempts from 1', async () => {
    const ref = await t.jobs.enqueue({ name: 'flaky' });
    const info = await completed(t, ref.id);
    expect(info).toMatchObject({
      status: 'completed',
      result: 'third time lucky',
      error: null,
      attemptsMade: 3,
    });
    expect(Handlers.attempts).toEqual([1, 2, 3]);
  });

  it('lets enqueue options override the handler attempts', async () => {
    const ref = await t.jobs.enqueue({
      name: 'flaky',
      options: { attempts: 2 },
    });
    const info = await completed(t, ref.id);
    expect(info).toMatchObject({
      status: 'failed',
      error: 'flaky failure on attempt 2',
      attemptsMade: 2,
    });
    expect(Handlers.attempts).toEqual([1, 2]);
  });

  it('does not retry data that fails the payload class at the worker', async () => {
    // Written straight to BullMQ, as an older app version or another producer might.
    const queue = t.app.get<Queue>(getQueueToken('default'));
    const job = await queue.add(
      'echo',
      { n: 'not a number' },
      { attempts: 5, jobId: 'legacy-echo' },
    );
    const info = await completed(t, job.id!);
    expect(info.status).toBe('failed');
    expect(info.error).toMatch(
      /Job "echo" has invalid data: n must be an integer number/,
    );
    expect(info.attemptsMade).toBe(1);
  });

  it('never runs a job whose name has no handler, and says so', async () => {
    const queue = t.app.get<Queue>(getQueueToken('default'));
    const job = await queue.add(
      'rm -rf /',
      { cmd: 'evil' },
      { attempts: 3, jobId: 'not-registered' },
    );
    const info = await completed(t, job.id!);
    expect(info).toMatchObject({ status: 'failed', attemptsMade: 1 });
    expect(info.error).toMatch(/This worker has no @JobHandler\('rm -rf \/'\)/);
  });
});

describe('a process that only enqueues', () => {
  it('runs no workers with workers: false', async () => {
    const t = await createJobsApp(
      { queues: { high_priority: 1 }, workers: false },
      [Handlers],
    );
    try {
      const ref = await t.jobs.enqueue({ name: 'urgent' }, 'default');
      // Time must pass to show the job is NOT run: there is no state to wait on.
      await sleep(500);
      expect((await t.jobs.get(ref.id))?.status).toBe('waiting');
    } finally {
      await t.close();
    }
  });

  it('serves only the listed queues', async () => {
    const t = await createJobsApp(
      { queues: { default: 1, high_priority: 1 }, workers: ['high_priority'] },
      [Handlers],
    );
    try {
      const onDefault = await t.jobs.enqueue({ name: 'urgent' }, 'default');
      const onUrgent = await t.jobs.enqueue({ name: 'urgent' });
      expect((await completed(t, onUrgent.id)).status).toBe('completed');
      expect((await t.jobs.get(onDefault.id))?.status).toBe('waiting');
    } finally {
      await t.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('app.close() waits for a running job to finish and leaves none active', async () => {
    const t = await createJobsApp({ queues: { high_priority: 1 } }, [Handlers]);
    const queue = t.app.get<Queue>(getQueueToken('default'));
    const ref = await t.jobs.enqueue({ name: 'gate' });
    await waitFor(
      async () => (await t.jobs.get(ref.id))?.status === 'active',
      5_000,
      'job to start',
    );
    let closed = false;
    const closing = t.app.close().then(() => (closed = true));
    // Time must pass to show close() does NOT resolve while the job runs.
    await sleep(300);
    expect(closed).toBe(false);
    Handlers.release();
    await closing;
    // Read back through a fresh app on the same prefix.
    const reader = await createJobsApp(
      { queues: { high_priority: 1 }, prefix: t.prefix, workers: false },
      [Handlers],
    );
    try {
      expect(await reader.jobs.get(ref.id)).toMatchObject({
        status: 'completed',
        result: 'released',
      });
      const counts = await reader.app
        .get<Queue>(getQueueToken('default'))
        .getJobCounts('active', 'waiting');
      expect(counts).toEqual({ active: 0, waiting: 0 });
    } finally {
      await reader.close();
      void queue;
    }
  });
});
