import { Queue } from 'bullmq';
import Redis from 'ioredis';
import {
  CONTENDERS,
  queueNameFor,
  startConsumer,
  type ContenderId,
} from '../contenders';
import {
  commandStats,
  log,
  median,
  now,
  rotate,
  sleep,
  sum,
  waitUntil,
  type PrivateRedis,
} from '../support';

export interface ThroughputRun {
  contender: ContenderId;
  concurrency: number;
  round: number;
  jobs: number;
  ms: number;
  jobsPerSec: number;
  /** Redis commands per job while consuming (EVALSHA counts as one), from INFO commandstats. */
  redisCallsPerJob: number;
  redisCalls: Record<string, number>;
  /** CPU time per job of this process (the consumer; nothing else runs meanwhile), in µs: steadier than jobs/s under load. */
  cpuUsPerJob: number;
  /** CPU time per job of redis-server, in µs, from INFO cpu. */
  redisCpuUsPerJob: number;
}

export interface ThroughputRow {
  concurrency: number;
  /** Median jobs/s over the rounds. */
  raw: number;
  nestBullmq: number;
  nestjsJobs: number;
  /** Median over rounds of the ratio within each round. */
  cOverA: number;
  cOverB: number;
  redisCallsPerJob: Record<ContenderId, number>;
  /** Medians of the per-run figures. */
  cpuUsPerJob: Record<ContenderId, number>;
  redisCpuUsPerJob: Record<ContenderId, number>;
}

export interface ThroughputResult {
  jobs: number;
  rounds: number;
  runs: ThroughputRun[];
  rows: ThroughputRow[];
}

const LOAD_BATCH = 1_000;
const WARM_UP_JOBS = 3_000;

/**
 * Scenario 1. For each concurrency, each round runs every contender once (in rotated order) on a
 * freshly flushed Redis: load `jobs` no-op jobs into a paused queue with addBulk, boot the
 * consumer, then time from resume until the queue is empty.
 */
export async function runThroughput(
  redis: PrivateRedis,
  opts: { jobs: number; rounds: number; concurrencies: number[] },
): Promise<ThroughputResult> {
  const runs: ThroughputRun[] = [];
  const admin = new Redis(redis.url);
  try {
    // One unmeasured run per contender first: whoever ran first would otherwise pay for warming
    // up the JIT on BullMQ's code paths that all three share.
    for (const { id } of CONTENDERS)
      await runOnce(
        redis,
        admin,
        id,
        opts.concurrencies[0],
        Math.min(opts.jobs, WARM_UP_JOBS),
      );
    for (const concurrency of opts.concurrencies) {
      for (let round = 0; round < opts.rounds; round++) {
        for (const { id } of rotate(CONTENDERS, round)) {
          const run = await runOnce(redis, admin, id, concurrency, opts.jobs);
          runs.push({ ...run, round });
          log(
            `  throughput c=${concurrency} round ${round + 1}/${opts.rounds} ${id.padEnd(10)} ${Math.round(run.jobsPerSec).toLocaleString('en-US')} jobs/s, ` +
              `${run.redisCallsPerJob.toFixed(2)} Redis calls/job, CPU/job ${run.cpuUsPerJob.toFixed(0)} µs here + ${run.redisCpuUsPerJob.toFixed(0)} µs Redis`,
          );
        }
      }
    }
  } finally {
    admin.disconnect();
  }
  const rows = opts.concurrencies.map((concurrency) => {
    const rate = (id: ContenderId) =>
      median(
        runs
          .filter((r) => r.concurrency === concurrency && r.contender === id)
          .map((r) => r.jobsPerSec),
      );
    // Ratios within a round (runs seconds apart) are steadier than ratios of medians on a shared machine.
    const ratio = (top: ContenderId, bottom: ContenderId) =>
      median(
        runs
          .filter((r) => r.concurrency === concurrency && r.contender === top)
          .map(
            (t) =>
              t.jobsPerSec /
              runs.find(
                (b) =>
                  b.concurrency === concurrency &&
                  b.contender === bottom &&
                  b.round === t.round,
              )!.jobsPerSec,
          ),
      );
    const of = (id: ContenderId, pick: (r: ThroughputRun) => number) =>
      median(
        runs
          .filter((r) => r.concurrency === concurrency && r.contender === id)
          .map(pick),
      );
    const calls = (id: ContenderId) => of(id, (r) => r.redisCallsPerJob);
    const per = (pick: (r: ThroughputRun) => number) => ({
      raw: of('raw', pick),
      nestBullmq: of('nestBullmq', pick),
      nestjsJobs: of('nestjsJobs', pick),
    });
    const raw = rate('raw');
    const nestBullmq = rate('nestBullmq');
    const nestjsJobs = rate('nestjsJobs');
    return {
      concurrency,
      raw,
      nestBullmq,
      nestjsJobs,
      cOverA: ratio('nestjsJobs', 'raw'),
      cOverB: ratio('nestjsJobs', 'nestBullmq'),
      redisCallsPerJob: {
        raw: calls('raw'),
        nestBullmq: calls('nestBullmq'),
        nestjsJobs: calls('nestjsJobs'),
      },
      cpuUsPerJob: per((r) => r.cpuUsPerJob),
      redisCpuUsPerJob: per((r) => r.redisCpuUsPerJob),
    };
  });
  return { jobs: opts.jobs, rounds: opts.rounds, runs, rows };
}

async function runOnce(
  redis: PrivateRedis,
  admin: Redis,
  id: ContenderId,
  concurrency: number,
  jobs: number,
): Promise<Omit<ThroughputRun, 'round'>> {
  await admin.flushall();
  const prefix = `bench-tp`;
  const name = queueNameFor(id);
  const queue = new Queue(name, {
    connection: { host: redis.host, port: redis.port },
    prefix,
  });
  let started = 0;
  const consumer = await (async () => {
    // Paused (globally, in Redis) so the consumer can boot and connect before the clock starts.
    await queue.pause();
    for (let i = 0; i < jobs; i += LOAD_BATCH) {
      const n = Math.min(LOAD_BATCH, jobs - i);
      await queue.addBulk(
        Array.from({ length: n }, () => ({ name: 'noop', data: {} })),
      );
    }
    return startConsumer(id, {
      redis,
      prefix,
      queue: name,
      concurrency,
      onJob: () => void started++,
    });
  })();
  try {
    // Let every contender's worker reach its blocking wait for jobs before timing.
    await sleep(300);
    await admin.config('RESETSTAT');
    const redisCpu0 = await redisCpuUs(admin);
    const cpu0 = process.cpuUsage();
    const t0 = now();
    await queue.resume();
    // Generous: a tenth of the anchor rate would still finish.
    const limit = 60_000 + jobs * 2;
    await waitUntil(
      () => started >= jobs,
      limit,
      `${id} to start ${jobs} jobs`,
      5,
    );
    await waitUntil(
      async () =>
        (await queue.getJobCountByTypes('wait', 'active', 'prioritized')) === 0,
      30_000,
      `${id} to finish`,
      2,
    );
    const ms = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const redisCpu = (await redisCpuUs(admin)) - redisCpu0;
    const stats = await commandStats(admin);
    // Exclude the bench's own bookkeeping (RESETSTAT, INFO, the resume and the count polls).
    for (const own of ['config|resetstat', 'info', 'config']) delete stats[own];
    return {
      contender: id,
      concurrency,
      jobs,
      ms,
      jobsPerSec: (jobs / ms) * 1000,
      redisCallsPerJob: sum(Object.values(stats)) / jobs,
      redisCalls: stats,
      cpuUsPerJob: (cpu.user + cpu.system) / jobs,
      redisCpuUsPerJob: redisCpu / jobs,
    };
  } finally {
    await consumer.close();
    await queue.close();
  }
}

/** redis-server's CPU time so far (user + system), in µs. */
async function redisCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const read = (field: string) =>
    Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6;
}
