import { Queue } from 'bullmq';
import Redis from 'ioredis';
import {
  CONTENDERS,
  jobOptionsFor,
  queueNameFor,
  startConsumer,
  type ContenderId,
} from '../contenders';
import {
  commandStats,
  log,
  measureCpu,
  rotate,
  sleep,
  spread,
  sum,
  waitUntil,
  type PrivateRedis,
  type Spread,
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

/** (c) over another contender, each figure the median and range of the per-round ratios. */
export interface ThroughputRatios {
  jobsPerSec: Spread;
  /** c's Node CPU per job over the other's: below 1 means c spends less. */
  nodeCpu: Spread;
  redisCpu: Spread;
}

export interface ThroughputRow {
  concurrency: number;
  jobsPerSec: Record<ContenderId, Spread>;
  cpuUsPerJob: Record<ContenderId, Spread>;
  redisCpuUsPerJob: Record<ContenderId, Spread>;
  redisCallsPerJob: Record<ContenderId, number>;
  /** Equal retention. */
  cOverA: ThroughputRatios;
  /** Each on its defaults: raw BullMQ with removeOnComplete: true, nestjs-jobs as documented. */
  cOverA0: ThroughputRatios;
  cOverB: ThroughputRatios;
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
    // up the JIT on BullMQ's code paths that all of them share.
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
  const rows = opts.concurrencies.map((concurrency) =>
    summarise(
      runs.filter((r) => r.concurrency === concurrency),
      concurrency,
    ),
  );
  return { jobs: opts.jobs, rounds: opts.rounds, runs, rows };
}

function summarise(runs: ThroughputRun[], concurrency: number): ThroughputRow {
  const of = (id: ContenderId) => runs.filter((r) => r.contender === id);
  const per = (pick: (r: ThroughputRun) => number) =>
    Object.fromEntries(
      CONTENDERS.map(({ id }) => [id, spread(of(id).map(pick))]),
    ) as Record<ContenderId, Spread>;
  // Ratios within a round (runs seconds apart) are steadier than ratios of medians on a shared machine.
  const ratios = (other: ContenderId): ThroughputRatios => {
    const pairs = of('nestjsJobs').map((c) => ({
      c,
      o: runs.find((r) => r.contender === other && r.round === c.round)!,
    }));
    const ratio = (pick: (r: ThroughputRun) => number) =>
      spread(pairs.map(({ c, o }) => pick(c) / pick(o)));
    return {
      jobsPerSec: ratio((r) => r.jobsPerSec),
      nodeCpu: ratio((r) => r.cpuUsPerJob),
      redisCpu: ratio((r) => r.redisCpuUsPerJob),
    };
  };
  return {
    concurrency,
    jobsPerSec: per((r) => r.jobsPerSec),
    cpuUsPerJob: per((r) => r.cpuUsPerJob),
    redisCpuUsPerJob: per((r) => r.redisCpuUsPerJob),
    redisCallsPerJob: Object.fromEntries(
      Object.entries(per((r) => r.redisCallsPerJob)).map(([id, s]) => [
        id,
        s.median,
      ]),
    ) as Record<ContenderId, number>,
    cOverA: ratios('raw'),
    cOverA0: ratios('rawRemove'),
    cOverB: ratios('nestBullmq'),
  };
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
    const opts = jobOptionsFor(id);
    for (let i = 0; i < jobs; i += LOAD_BATCH) {
      const n = Math.min(LOAD_BATCH, jobs - i);
      await queue.addBulk(
        Array.from({ length: n }, () => ({ name: 'noop', data: {}, opts })),
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
    const { ms, nodeUs, redisUs } = await measureCpu(admin, jobs, async () => {
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
          (await queue.getJobCountByTypes('wait', 'active', 'prioritized')) ===
          0,
        30_000,
        `${id} to finish`,
        2,
      );
    });
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
      cpuUsPerJob: nodeUs,
      redisCpuUsPerJob: redisUs,
    };
  } finally {
    await consumer.close();
    await queue.close();
  }
}
