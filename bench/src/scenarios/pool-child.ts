// The worker entry of the pool scenarios (pool-urgent, pool-cpu), compiled to dist/bench like the
// rest of the bench. The bench forks it without queue names: with BENCH_DEFAULT_PROCESSES set, it is
// the pool's supervisor and forks this same file once per process (`default` alone in each, the
// other queues together); without, it is one process serving every queue. Configured through the
// environment, which the supervisor passes on: BENCH_REDIS_URL, BENCH_PREFIX, BENCH_DEFAULT_CONCURRENCY,
// BENCH_DEFAULT_PROCESSES (n), BENCH_URGENT_CONCURRENCY (0: no `urgent` queue), BENCH_HEARTBEAT_MS.
import '../register-paths';
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import {
  bootstrapWorker,
  JobHandler,
  JobsModule,
  parseWorkerArgs,
  type QueueConfig,
} from 'nestjs-jobs';

/**
 * Uses `cpuMs` of this process's CPU time on the event loop, as a report built in memory would, in
 * slices of at most 50 ms (wall clock) with a `setImmediate` between them, so BullMQ can renew locks
 * and other jobs' callbacks run in between. CPU time, not wall-clock time: a loop that ran until
 * `Date.now()` passed a deadline would finish its "work" while the OS had the process descheduled,
 * so on a 2-core machine 4 processes would seem to do more than 2 cores of work. Only the CPU used
 * during this job's own slices counts (another job's slices in the same process do not).
 */
export async function busy(cpuMs: number): Promise<number> {
  const budgetUs = cpuMs * 1_000;
  const giveUpAt = Date.now() + 20 * cpuMs + 30_000; // bounded even if the process barely gets a core
  let usedUs = 0;
  let x = 0;
  while (usedUs < budgetUs && Date.now() < giveUpAt) {
    const start = process.cpuUsage();
    const sliceEnd = performance.now() + 50;
    for (;;) {
      for (let i = 0; i < 500; i++) x += Math.sqrt(x + i);
      const { user, system } = process.cpuUsage(start);
      if (usedUs + user + system >= budgetUs || performance.now() >= sliceEnd) {
        usedUs += user + system;
        break;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  return x;
}

/** The job names and queues of the pool scenarios; the bench's producer declares the same. */
@Injectable()
export class CpuBenchJobs {
  @JobHandler('cpu', { queue: 'default' })
  async cpu(data: { ms: number }): Promise<number> {
    await busy(data.ms);
    return process.pid;
  }
}

@Injectable()
export class UrgentBenchJobs {
  @JobHandler('urgent', { queue: 'urgent' })
  async urgent(data: { ms: number }): Promise<number> {
    await new Promise((r) => setTimeout(r, data.ms));
    return process.pid;
  }
}

export interface PoolBenchEnv {
  BENCH_REDIS_URL: string;
  BENCH_PREFIX: string;
  BENCH_DEFAULT_CONCURRENCY: string;
  /** Absent: no pool, one process serves every queue. */
  BENCH_DEFAULT_PROCESSES?: string;
  /** '0': no `urgent` queue configured. */
  BENCH_URGENT_CONCURRENCY: string;
  BENCH_HEARTBEAT_MS: string;
}

/** The queues of the pool scenarios, as the worker entry and the producer both configure them. */
/** The handlers for those queues (`urgent`'s only when that queue is configured). */
export function poolBenchHandlers(
  env: PoolBenchEnv | NodeJS.ProcessEnv,
): Array<typeof CpuBenchJobs | typeof UrgentBenchJobs> {
  return Number(env.BENCH_URGENT_CONCURRENCY ?? 0) > 0
    ? [CpuBenchJobs, UrgentBenchJobs]
    : [CpuBenchJobs];
}

export function poolBenchQueues(
  env: PoolBenchEnv | NodeJS.ProcessEnv,
): Record<string, QueueConfig> {
  const processes = env.BENCH_DEFAULT_PROCESSES
    ? Number(env.BENCH_DEFAULT_PROCESSES)
    : undefined;
  const urgent = Number(env.BENCH_URGENT_CONCURRENCY ?? 0);
  return {
    default: {
      concurrency: Number(env.BENCH_DEFAULT_CONCURRENCY),
      ...(processes !== undefined && { processes }),
    },
    ...(urgent > 0 && { urgent: { concurrency: urgent } }),
  };
}

if (require.main === module) {
  const env = process.env;
  @Module({
    imports: [
      JobsModule.forRoot({
        connection: env.BENCH_REDIS_URL!,
        prefix: env.BENCH_PREFIX!,
        queues: poolBenchQueues(env),
        heartbeatIntervalMs: Number(env.BENCH_HEARTBEAT_MS),
        shutdownGraceMs: 5_000,
      }),
    ],
    providers: poolBenchHandlers(env),
  })
  class PoolBenchWorkerModule {}

  const args = process.argv.slice(2);
  // The process the bench forked (not one a supervisor forked: those carry --pool and watch their
  // supervisor themselves) stops when the bench goes away, even after kill -9 of the bench.
  if (!args.includes('--pool') && process.send)
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  bootstrapWorker(PoolBenchWorkerModule, {
    ...parseWorkerArgs(args),
    logger: ['error', 'warn'],
  }).then(
    () => process.stdout.write(`READY ${process.pid}\n`),
    (error: Error) => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}
