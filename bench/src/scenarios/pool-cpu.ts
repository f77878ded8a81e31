import * as os from 'node:os';
import Redis from 'ioredis';
import { log, median, now, rotate, sleep, type PrivateRedis } from '../support';
import { startProducer, startWorker, type PoolWorker } from './pool-support';

export interface PoolCpuOptions {
  /** CPU-bound jobs per run, and the CPU each takes (busy loop on the event loop). */
  jobs: number;
  jobMs: number;
  processes: number[];
  rounds: number;
}

export interface PoolCpuCase {
  processes: number;
  /** Median drain time (ms) over the rounds, and every round's. */
  drainMs: number;
  drainsMs: number[];
  /** The 1-minute load average when each of those runs started (the machine is shared). */
  loadavg: number[];
  jobsPerSec: number;
  /** Median over rounds of (drain with the first process count) / (drain with this one). */
  speedup: number;
}

export interface PoolCpuResult {
  options: PoolCpuOptions;
  cpus: number;
  cases: PoolCpuCase[];
}

/**
 * Issue 11's scenario 2: `jobs` CPU-bound jobs (`jobMs` of busy loop each) on `default` with
 * `processes: n`, concurrency 1, for each n. Per run: the queue is paused in Redis, loaded, the pool
 * booted and waited for until its n processes serve (workers()); the clock runs from
 * `queue.resume()` until no job is waiting or active. Process counts alternate within each round.
 */
export async function runPoolCpu(
  redis: PrivateRedis,
  options: PoolCpuOptions,
  cpus: number,
): Promise<PoolCpuResult> {
  const drains = new Map<number, number[]>(
    options.processes.map((n) => [n, []]),
  );
  const loads = new Map<number, number[]>(
    options.processes.map((n) => [n, []]),
  );
  const ratios = new Map<number, number[]>(
    options.processes.map((n) => [n, []]),
  );
  const admin = new Redis(redis.url);
  try {
    for (let round = 0; round < options.rounds; round++) {
      const thisRound = new Map<number, number>();
      for (const n of rotate(options.processes, round)) {
        await admin.flushall();
        loads.get(n)!.push(os.loadavg()[0]);
        const ms = await drainOnce(redis, options, n, round);
        drains.get(n)!.push(ms);
        thisRound.set(n, ms);
        log(
          `  round ${round + 1}, processes ${n}: ${options.jobs} jobs in ${(ms / 1000).toFixed(2)} s (${Math.round((options.jobs * 1000) / ms)} jobs/s)`,
        );
      }
      const base = thisRound.get(options.processes[0])!;
      for (const n of options.processes)
        ratios.get(n)!.push(base / thisRound.get(n)!);
    }
  } finally {
    await admin.flushall();
    admin.disconnect();
  }
  return {
    options,
    cpus,
    cases: options.processes.map((n) => {
      const drainMs = median(drains.get(n)!);
      return {
        processes: n,
        drainMs,
        drainsMs: drains.get(n)!,
        loadavg: loads.get(n)!,
        jobsPerSec: (options.jobs * 1000) / drainMs,
        speedup: median(ratios.get(n)!),
      };
    }),
  };
}

async function drainOnce(
  redis: PrivateRedis,
  o: PoolCpuOptions,
  processes: number,
  round: number,
): Promise<number> {
  const prefix = `bench-pool-cpu-${processes}-${round}`;
  const setup = {
    defaultConcurrency: 1,
    defaultProcesses: processes,
    urgentConcurrency: 0,
  };
  const producer = await startProducer(redis, prefix, setup);
  let worker: PoolWorker | undefined;
  try {
    const queue = producer.queue('default');
    await queue.pause();
    for (let i = 0; i < o.jobs; i += 500) {
      await producer.jobs.enqueueMany(
        Array.from({ length: Math.min(500, o.jobs - i) }, () => ({
          name: 'cpu',
          data: { ms: o.jobMs },
        })),
        'default',
      );
    }
    worker = await startWorker(redis, prefix, setup, producer);
    const started = now();
    await queue.resume();
    const deadline = started + 60_000 + 3 * o.jobs * o.jobMs;
    for (;;) {
      const left = await queue.getJobCountByTypes(
        'wait',
        'prioritized',
        'delayed',
        'active',
      );
      if (left === 0) break;
      if (now() > deadline)
        throw new Error(
          `pool-cpu: ${left} of ${o.jobs} jobs left after ${((now() - started) / 1000).toFixed(0)} s with ${processes} process(es)`,
        );
      await sleep(20);
    }
    const ms = now() - started;
    const { completed, failed } = await queue.getJobCounts(
      'completed',
      'failed',
    );
    if (completed !== o.jobs)
      throw new Error(
        `pool-cpu: ${completed} of ${o.jobs} jobs completed (${failed} failed) with ${processes} process(es)`,
      );
    return ms;
  } finally {
    await worker?.stop();
    await producer.close();
  }
}
