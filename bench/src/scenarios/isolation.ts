import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import Redis from 'ioredis';
import {
  JobHandler,
  JobsModule,
  JobService,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { bootNest } from '../contenders';
import {
  log,
  now,
  percentile,
  sleep,
  waitUntil,
  type PrivateRedis,
} from '../support';

export interface IsolationOptions {
  /** Urgent jobs per second, and for how long. */
  urgentPerSec: number;
  seconds: number;
  urgentMs: number;
  slowJobs: number;
  slowMs: number;
}

export interface IsolationCase {
  setup: string;
  queues: Record<string, number>;
  urgentJobs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** From the first slow enqueue until the last slow job finished, or null when there were none. */
  slowDrainMs: number | null;
  /** Every urgent wait (ms), in arrival order, for the chart. */
  waits: number[];
}

export interface IsolationResult {
  options: IsolationOptions;
  idle: IsolationCase;
  single: IsolationCase;
  split: IsolationCase;
  /** split p99 / idle p99: target ≤ 1.5. */
  p99Ratio: number;
}

const SPLIT = { default: 2, high_priority: 8 };
const SINGLE = { default: 10 };

/**
 * Scenario 3. Slow jobs (`slowMs` each) are enqueued at once at the start; urgent jobs
 * (`urgentMs` each) arrive at a steady rate. Each urgent job's wait is from just before its
 * enqueue call to the start of its handler. Work is awaited time (I/O such as SSH to a device),
 * not CPU, as in NetBox's discovery and backup jobs.
 */
export async function runIsolation(
  redis: PrivateRedis,
  options: IsolationOptions,
): Promise<IsolationResult> {
  const idle = await runCase(
    redis,
    options,
    'idle: high_priority:8, no slow jobs',
    SPLIT,
    false,
  );
  const single = await runCase(
    redis,
    options,
    '(i) one queue, concurrency 10',
    SINGLE,
    true,
  );
  const split = await runCase(
    redis,
    options,
    '(ii) default:2 + high_priority:8',
    SPLIT,
    true,
  );
  return { options, idle, single, split, p99Ratio: split.p99 / idle.p99 };
}

async function runCase(
  redis: PrivateRedis,
  o: IsolationOptions,
  setup: string,
  queues: Record<string, number>,
  withSlow: boolean,
): Promise<IsolationCase> {
  const urgentQueue = 'high_priority' in queues ? 'high_priority' : 'default';
  const waits: number[] = [];
  let slowDone = 0;
  let lastSlowEnd = 0;

  @Injectable()
  class NetworkJobs {
    @JobHandler('urgent')
    async urgent(data: { at: number; i: number }): Promise<void> {
      waits[data.i] = now() - data.at;
      await sleep(o.urgentMs);
    }

    @JobHandler('slow')
    async slow(): Promise<void> {
      await sleep(o.slowMs);
      slowDone++;
      lastSlowEnd = now();
    }
  }
  const moduleOptions: JobsModuleOptions = {
    connection: redis.url,
    prefix: 'bench-iso',
    queues,
  };
  @Module({
    imports: [JobsModule.forRoot(moduleOptions)],
    providers: [NetworkJobs],
  })
  class IsolationBenchModule {}

  const admin = new Redis(redis.url);
  await admin.flushall();
  const app = await bootNest(IsolationBenchModule);
  const jobs = app.app.get(JobService);
  const urgentJobs = Math.round(o.urgentPerSec * o.seconds);
  const slowJobs = withSlow ? o.slowJobs : 0;
  try {
    await sleep(300);
    const t0 = now();
    if (slowJobs > 0)
      await jobs.enqueueMany(
        Array.from({ length: slowJobs }, () => ({ name: 'slow' })),
        'default',
      );
    const enqueues: Promise<unknown>[] = [];
    const interval = 1000 / o.urgentPerSec;
    for (let i = 0; i < urgentJobs; i++) {
      // Absolute schedule, so a late timer does not slow the arrival rate down.
      const due = t0 + i * interval;
      const ahead = due - now();
      if (ahead > 0) await sleep(ahead);
      enqueues.push(
        jobs.enqueue({ name: 'urgent', data: { at: now(), i } }, urgentQueue),
      );
    }
    await Promise.all(enqueues);
    const slowWork = (slowJobs * o.slowMs) / (queues.default ?? 1);
    await waitUntil(
      () =>
        waits.filter((w) => w !== undefined).length >= urgentJobs &&
        slowDone >= slowJobs,
      60_000 + 3 * slowWork,
      `${setup}: all jobs to finish`,
      20,
    );
    const result: IsolationCase = {
      setup,
      queues,
      urgentJobs,
      p50: percentile(waits, 50),
      p95: percentile(waits, 95),
      p99: percentile(waits, 99),
      max: Math.max(...waits),
      slowDrainMs: slowJobs > 0 ? lastSlowEnd - t0 : null,
      waits,
    };
    log(
      `  isolation ${setup}: urgent wait p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)}, p99 ${result.p99.toFixed(1)}` +
        (result.slowDrainMs !== null
          ? `; slow backlog drained in ${(result.slowDrainMs / 1000).toFixed(1)} s`
          : ''),
    );
    return result;
  } finally {
    await app.close();
    await admin.flushall();
    admin.disconnect();
  }
}
