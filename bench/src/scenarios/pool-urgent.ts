import type { JobInfo } from 'nestjs-jobs';
import Redis from 'ioredis';
import {
  log,
  median,
  now,
  percentile,
  rotate,
  sleep,
  waitUntil,
  type PrivateRedis,
} from '../support';
import {
  startProducer,
  startWorker,
  type PoolProducer,
  type PoolSetup,
  type PoolWorker,
} from './pool-support';

export interface PoolUrgentOptions {
  /** CPU-bound jobs in each flood, and the CPU each takes (busy loop on the event loop). */
  cpuJobs: number;
  cpuMs: number;
  /** Urgent jobs per second, their work (awaited), and how many in each idle phase. */
  urgentPerSec: number;
  urgentMs: number;
  idleUrgentJobs: number;
  rounds: number;
}

export interface PoolUrgentPhase {
  jobs: number;
  p50: number;
  p99: number;
  max: number;
}

export interface PoolUrgentContender {
  id: 'single' | 'pool';
  setup: string;
  idle: PoolUrgentPhase;
  loaded: PoolUrgentPhase;
  /** Median over rounds of each round's p99: idle and under the flood (the target uses these). */
  roundIdleP99: number;
  roundLoadedP99: number;
  /** Median over rounds of each round's loaded p99 / idle p99. */
  p99Ratio: number;
  /** Median over rounds of the time from the flood's enqueue until its last job finished. */
  floodDrainMs: number;
  /** Per round: idle and loaded p99, to show the spread. */
  rounds: { idleP99: number; loadedP99: number; floodDrainMs: number }[];
}

export interface PoolUrgentResult {
  options: PoolUrgentOptions;
  single: PoolUrgentContender;
  pool: PoolUrgentContender;
  /** Median over rounds of that round's pool loaded p99 / single loaded p99. */
  poolOverSingleP99: number;
}

const CONTENDERS: {
  id: 'single' | 'pool';
  setup: string;
  config: PoolSetup;
}[] = [
  {
    id: 'single',
    setup: '(A) one process: default 2 + urgent 8',
    config: { defaultConcurrency: 2, urgentConcurrency: 8 },
  },
  {
    id: 'pool',
    setup:
      '(B) pool: default { concurrency 1, processes 2 } + urgent 8 in the shared process',
    config: {
      defaultConcurrency: 1,
      defaultProcesses: 2,
      urgentConcurrency: 8,
    },
  },
];

/**
 * Issue 11's scenario 1: urgent jobs (`urgentMs`, awaited) arrive at `urgentPerSec` while a flood of
 * CPU-bound jobs (`cpuMs` of busy loop each) runs on `default`. (A) one worker process serves both
 * queues, so the flood's busy loop delays the urgent jobs' pickup; (B) the pool runs `default` in 2
 * processes of its own and `urgent` in the shared one. Both contenders are booted once, on their own
 * prefix, and measured in alternating rounds once every process serves (boot is not measured).
 * An urgent job's wait is its startedAt − createdAt (BullMQ's timestamps, via JobService.get).
 * Percentiles are reported pooled over the rounds; ratios and the target use the median over rounds
 * of each round's p99, so one noisy round (the machine is shared) cannot decide them alone.
 */
export async function runPoolUrgent(
  redis: PrivateRedis,
  options: PoolUrgentOptions,
): Promise<PoolUrgentResult> {
  const admin = new Redis(redis.url);
  await admin.flushall();
  const booted: {
    id: 'single' | 'pool';
    producer: PoolProducer;
    worker?: PoolWorker;
  }[] = [];
  try {
    for (const c of CONTENDERS) {
      const prefix = `bench-pool-urgent-${c.id}`;
      const entry: (typeof booted)[number] = {
        id: c.id,
        producer: await startProducer(redis, prefix, c.config),
      };
      booted.push(entry);
      entry.worker = await startWorker(redis, prefix, c.config, entry.producer);
      log(
        `  ${c.setup}: serving with ${entry.worker.serving.length} process(es) (${entry.worker.serving.map((w) => `${w.pid}: ${w.queues.join('+')}`).join(', ')})`,
      );
      // Unmeasured warm-up: a few of each job, so neither contender pays alone for JIT and connections.
      await urgentPhase(
        entry.producer,
        { ...options, idleUrgentJobs: 8 },
        undefined,
      );
      await (
        await startFlood(entry.producer, 2, options.cpuMs)
      ).done;
    }
    const samples = new Map(
      CONTENDERS.map((c) => [
        c.id,
        {
          idle: [] as number[],
          loaded: [] as number[],
          rounds: [] as PoolUrgentContender['rounds'],
        },
      ]),
    );
    for (let round = 0; round < options.rounds; round++) {
      for (const c of rotate(CONTENDERS, round)) {
        const { producer } = booted.find((b) => b.id === c.id)!;
        const idle = await urgentPhase(producer, options, undefined);
        const floodDone = await startFlood(
          producer,
          options.cpuJobs,
          options.cpuMs,
        );
        const loaded = await urgentPhase(producer, options, floodDone.done);
        const floodDrainMs = await floodDone.done;
        const s = samples.get(c.id)!;
        s.idle.push(...idle);
        s.loaded.push(...loaded);
        s.rounds.push({
          idleP99: percentile(idle, 99),
          loadedP99: percentile(loaded, 99),
          floodDrainMs,
        });
        log(
          `  round ${round + 1}, ${c.id}: urgent p99 idle ${percentile(idle, 99).toFixed(0)} ms (${idle.length} jobs), ` +
            `under the flood ${percentile(loaded, 99).toFixed(0)} ms (${loaded.length} jobs); flood drained in ${(floodDrainMs / 1000).toFixed(2)} s`,
        );
      }
    }
    const summarise = (c: (typeof CONTENDERS)[number]): PoolUrgentContender => {
      const s = samples.get(c.id)!;
      const phase = (w: number[]): PoolUrgentPhase => ({
        jobs: w.length,
        p50: percentile(w, 50),
        p99: percentile(w, 99),
        max: Math.max(...w),
      });
      const idle = phase(s.idle);
      const loaded = phase(s.loaded);
      return {
        id: c.id,
        setup: c.setup,
        idle,
        loaded,
        roundIdleP99: median(s.rounds.map((r) => r.idleP99)),
        roundLoadedP99: median(s.rounds.map((r) => r.loadedP99)),
        p99Ratio: median(s.rounds.map((r) => r.loadedP99 / r.idleP99)),
        floodDrainMs: percentile(
          s.rounds.map((r) => r.floodDrainMs),
          50,
        ),
        rounds: s.rounds,
      };
    };
    const single = summarise(CONTENDERS[0]);
    const pool = summarise(CONTENDERS[1]);
    return {
      options,
      single,
      pool,
      poolOverSingleP99: median(
        pool.rounds.map((r, i) => r.loadedP99 / single.rounds[i].loadedP99),
      ),
    };
  } finally {
    for (const b of booted) {
      await b.worker?.stop();
      await b.producer.close();
    }
    await admin.flushall();
    admin.disconnect();
  }
}

/**
 * Enqueues `count` CPU-bound jobs on `default`; `done` resolves when all have finished, with the
 * time from their creation to the last one's end (ms).
 */
async function startFlood(
  producer: PoolProducer,
  count: number,
  cpuMs: number,
): Promise<{ done: Promise<number> }> {
  const refs = await producer.jobs.enqueueMany(
    Array.from({ length: count }, () => ({ name: 'cpu', data: { ms: cpuMs } })),
    'default',
  );
  const done = finished(
    producer,
    refs.map((r) => r.id),
    60_000 + count * cpuMs * 3,
    100,
  ).then(
    (infos) =>
      Math.max(...infos.map((i) => i.finishedAt!.getTime())) -
      Math.min(...infos.map((i) => i.createdAt.getTime())),
  );
  done.catch(() => undefined); // awaited by the caller; never an unhandled rejection meanwhile
  return { done };
}

/**
 * Urgent jobs at `urgentPerSec` on an absolute schedule: `idleUrgentJobs` of them, or with `until`,
 * as long as `until` has not resolved (at least one, at most 2 minutes' worth). Returns each job's
 * wait (startedAt − createdAt, ms).
 */
async function urgentPhase(
  producer: PoolProducer,
  o: PoolUrgentOptions,
  until: Promise<unknown> | undefined,
): Promise<number[]> {
  let over = false;
  until?.then(
    () => (over = true),
    () => (over = true),
  );
  const most = until ? o.urgentPerSec * 120 : o.idleUrgentJobs;
  const interval = 1000 / o.urgentPerSec;
  const enqueues: Promise<{ id: string }>[] = [];
  const t0 = now();
  for (let i = 0; i < most && !(i > 0 && over); i++) {
    const ahead = t0 + i * interval - now();
    if (ahead > 0) await sleep(ahead);
    enqueues.push(
      producer.jobs.enqueue(
        { name: 'urgent', data: { ms: o.urgentMs } },
        'urgent',
      ),
    );
  }
  const refs = await Promise.all(enqueues);
  const infos = await finished(
    producer,
    refs.map((r) => r.id),
    60_000,
  );
  return infos.map(
    (info) => info.startedAt!.getTime() - info.createdAt.getTime(),
  );
}

/** Waits until every job in `ids` has completed (bounded), and returns them. */
async function finished(
  producer: PoolProducer,
  ids: string[],
  timeoutMs: number,
  everyMs = 50,
): Promise<JobInfo[]> {
  let infos: (JobInfo | null)[] = [];
  await waitUntil(
    async () => {
      infos = await Promise.all(ids.map((id) => producer.jobs.get(id)));
      const failed = infos.find((i) => i?.status === 'failed');
      if (failed)
        throw new Error(
          `bench job ${failed.id} (${failed.name}) failed: ${JSON.stringify(failed)}`,
        );
      return infos.every((i) => i?.status === 'completed');
    },
    timeoutMs,
    `${ids.length} jobs to complete`,
    everyMs,
  );
  return infos as JobInfo[];
}
