import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import {
  JobHandler,
  JobsModule,
  JobService,
  type QueueConfig,
} from 'nestjs-jobs';
import { bootNest } from '../contenders';
import { log, now, sleep, waitUntil, type PrivateRedis } from '../support';

export interface AutoscaleOptions {
  jobs: number;
  jobMs: number;
  min: number;
  max: number;
}

export interface AutoscaleResult {
  options: AutoscaleOptions;
  /** Drain time (ms) with concurrency fixed at `min`. */
  fixedMs: number;
  /** Drain time (ms) with concurrency `{ min, max }`. */
  autoscaledMs: number;
  /** fixed / autoscaled: how many times faster autoscaling drained the burst. */
  speedup: number;
}

/**
 * Issue 6's scenario: a burst of `jobs` jobs of `jobMs` (awaited time, like I/O) lands on one queue.
 * Once with concurrency fixed at `min`, once autoscaling between `min` and `max`; reports how long
 * each takes to drain, from the enqueue to the last job's end.
 */
export async function runAutoscale(
  redis: PrivateRedis,
  options: AutoscaleOptions,
): Promise<AutoscaleResult> {
  const fixedMs = await drain(redis, options, options.min, 'fixed');
  const autoscaledMs = await drain(
    redis,
    options,
    { min: options.min, max: options.max },
    'autoscaled',
  );
  return { options, fixedMs, autoscaledMs, speedup: fixedMs / autoscaledMs };
}

async function drain(
  redis: PrivateRedis,
  o: AutoscaleOptions,
  concurrency: QueueConfig['concurrency'],
  label: string,
): Promise<number> {
  let done = 0;

  @Injectable()
  class BurstJobs {
    @JobHandler('burst')
    async burst(): Promise<void> {
      await sleep(o.jobMs);
      done++;
    }
  }

  @Module({
    imports: [
      JobsModule.forRoot({
        connection: redis.url,
        prefix: `bench-autoscale-${label}-${Date.now()}`,
        queues: { default: { concurrency, retention: { completed: true } } },
      }),
    ],
    providers: [BurstJobs],
  })
  class AutoscaleBenchModule {}

  const app = await bootNest(AutoscaleBenchModule);
  try {
    const jobs = app.app.get(JobService);
    const started = now();
    for (let i = 0; i < o.jobs; i += 1_000) {
      await jobs.enqueueMany(
        Array.from({ length: Math.min(1_000, o.jobs - i) }, () => ({
          name: 'burst',
        })),
      );
    }
    await waitUntil(
      () => done >= o.jobs,
      600_000,
      `${label} burst to drain`,
      10,
    );
    const ms = now() - started;
    log(
      `  ${label}: ${o.jobs} jobs of ${o.jobMs} ms drained in ${(ms / 1000).toFixed(2)} s`,
    );
    return ms;
  } finally {
    await app.close();
  }
}
