import 'reflect-metadata';
import * as os from 'node:os';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { JobService } from 'nestjs-jobs';
import { queueNameFor, startConsumer } from '../contenders';
import {
  log,
  median,
  now,
  percentile,
  rotate,
  sleep,
  spread,
  type PrivateRedis,
  type Spread,
} from '../support';

export interface LatencyOptions {
  /** Measured rounds after the warm-up; each runs both contenders, in rotated order. */
  rounds: number;
  /** Idle phase: this many jobs per round and contender, sent one at a time at `idlePerSec`. */
  idleJobs: number;
  idlePerSec: number;
  /** Loaded phase: `loadedSeconds` of jobs at `loadShare` of raw bullmq's saturation rate. */
  loadedSeconds: number;
  loadShare: number;
  /** Saturation: a burst of this many jobs per contender, sent as fast as they go, before each round. */
  burstJobs: number;
  /** Unmeasured burst per contender before anything is measured (JIT, connections, scripts). */
  warmUpJobs: number;
}

export type LatencyContender = 'raw' | 'nestjsJobs';
export type LatencyPhase = 'idle' | 'loaded';

export const LATENCY_CONTENDERS: { id: LatencyContender; label: string }[] = [
  { id: 'raw', label: '(a) raw bullmq Worker + queue.add' },
  { id: 'nestjsJobs', label: '(c) nestjs-jobs @JobHandler + enqueue' },
];

/** One contender's phase in one round; latencies in ms. */
export interface LatencyRun {
  contender: LatencyContender;
  phase: LatencyPhase;
  round: number;
  jobs: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Jobs per second actually sent. */
  sentPerSec: number;
  /** Idle phase: jobs sent while an earlier one had not started yet; near 0 when the worker was idle. */
  sentBehindOthers?: number;
  /** Loaded phase: from the last send until every job had started; long when the consumer fell behind. */
  drainMs?: number;
  /** 1-minute load average when the phase started (the machine is shared). */
  loadavg: number;
}

export interface LatencyBurst {
  contender: LatencyContender;
  round: number;
  jobsPerSec: number;
  cpuUsPerJob: number;
}

export interface LatencyRow {
  phase: LatencyPhase;
  contender: LatencyContender;
  /** Fewest samples in one round: the p99.9 is indicative only below 1,000. */
  minJobs: number;
  p50: Spread;
  p99: Spread;
  p999: Spread;
}

/** nestjs-jobs / raw within each round. */
export interface LatencyRatio {
  phase: LatencyPhase;
  p50: Spread;
  p99: Spread;
}

export interface LatencyResult {
  options: LatencyOptions;
  concurrency: number;
  /**
   * Each contender's burst before each round (sends and starts in this process): jobs/s, and this
   * process's CPU time per job in µs, steadier than jobs/s on a shared machine.
   */
  bursts: LatencyBurst[];
  /** Median over rounds of each contender's burst rate; raw's sets the loaded phase's rate. */
  saturation: Record<LatencyContender, number>;
  /** Median over rounds of the bursts' CPU time per job. */
  cpuUsPerJob: Record<LatencyContender, number>;
  /** Median over rounds of the loaded phase's rate. */
  loadedPerSec: number;
  rows: LatencyRow[];
  ratios: LatencyRatio[];
  runs: LatencyRun[];
}

const CONCURRENCY = 8;
const PREFIX = 'bench-lat';
/** The loaded phase sends what is due every this many ms. */
const TICK_MS = 5;
/** Adds in flight during a saturation burst. */
const BURST_LANES = 32;
/** Unmeasured jobs after each boot, so no phase pays for a first add on a new connection. */
const PRIMER_JOBS = 10;

/** What a job carries: the bench's `now()` just before the add/enqueue call. */
interface Stamp {
  t: number;
}

/**
 * Each job's enqueue-to-start latency, taken by the handler at its start. Whoever waits for a
 * count is woken by the handler that reaches it: a polling loop would delay the handlers it measures.
 */
class StartRecorder {
  latencies: number[] = [];
  private want = Infinity;
  private reached?: () => void;
  private failed?: (error: unknown) => void;
  private error?: Error;

  record(stamp: Stamp): void {
    this.latencies.push(now() - stamp.t);
    if (this.latencies.length >= this.want) this.reached?.();
  }

  /** A send that failed: its job will never start, so the waiter gives up at once. */
  fail(error: unknown): void {
    this.error ??= error instanceof Error ? error : new Error(String(error));
    this.failed?.(this.error);
  }

  /** Starts a new phase. */
  reset(): void {
    this.latencies = [];
  }

  /** Resolves once `count` jobs of this phase started; rejects after `timeoutMs` or on a failed send. */
  async waitFor(count: number, timeoutMs: number, what: string): Promise<void> {
    if (this.error !== undefined) throw this.error;
    if (this.latencies.length >= count) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.want = count;
        this.reached = resolve;
        this.failed = reject;
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `bench: timed out after ${timeoutMs} ms waiting for ${what} (${this.latencies.length}/${count} started)`,
              ),
            ),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      this.want = Infinity;
      this.reached = undefined;
      this.failed = undefined;
    }
  }
}

/** A booted contender: a producer and a consumer of concurrency 8 in this process. */
interface LatencyApp {
  /** Sends one job stamped with now(); never rejects (a failure goes to the recorder). */
  send(): Promise<void>;
  close(): Promise<void>;
}

/** The contender's consumer from contenders.ts (the same as in the throughput scenario), and its producer. */
async function bootContender(
  redis: PrivateRedis,
  id: LatencyContender,
  recorder: StartRecorder,
): Promise<LatencyApp> {
  const consumer = await startConsumer(id, {
    redis,
    prefix: PREFIX,
    queue: queueNameFor(id),
    concurrency: CONCURRENCY,
    onJob: (data) => recorder.record(data as Stamp),
  });
  const failed = (error: unknown) => recorder.fail(error);
  if (id === 'nestjsJobs') {
    const jobs = consumer.app!.get(JobService);
    return {
      send: () =>
        jobs
          .enqueue({ name: 'noop', data: { t: now() } })
          .then(() => undefined, failed),
      close: () => consumer.close(),
    };
  }
  const queue = new Queue<Stamp>(queueNameFor(id), {
    connection: { host: redis.host, port: redis.port },
    prefix: PREFIX,
  });
  await queue.waitUntilReady();
  return {
    send: () => queue.add('noop', { t: now() }).then(() => undefined, failed),
    close: async () => {
      await consumer.close();
      await queue.close();
    },
  };
}

/** Boots `id` on a flushed Redis, lets its worker reach its blocking wait, and sends a few unmeasured jobs. */
async function boot(
  redis: PrivateRedis,
  admin: Redis,
  id: LatencyContender,
  recorder: StartRecorder,
  o: LatencyOptions,
): Promise<LatencyApp> {
  await admin.flushall();
  const app = await bootContender(redis, id, recorder);
  try {
    await sleep(300);
    await idlePhase(app, recorder, id, { ...o, idleJobs: PRIMER_JOBS });
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** As many jobs as go, `BURST_LANES` adds in flight; jobs/s from the first send to the last start. */
async function burst(
  app: LatencyApp,
  recorder: StartRecorder,
  id: LatencyContender,
  jobs: number,
): Promise<Pick<LatencyBurst, 'jobsPerSec' | 'cpuUsPerJob'>> {
  recorder.reset();
  let sent = 0;
  const lane = async () => {
    while (sent < jobs) {
      sent++;
      await app.send();
    }
  };
  const t0 = now();
  const cpu0 = process.cpuUsage();
  void Promise.all(Array.from({ length: BURST_LANES }, lane));
  // A tenth of a slow machine's rate would still finish.
  await recorder.waitFor(jobs, 30_000 + jobs * 5, `${id}: a burst`);
  const cpu = process.cpuUsage(cpu0);
  return {
    jobsPerSec: (jobs / (now() - t0)) * 1000,
    cpuUsPerJob: (cpu.user + cpu.system) / jobs,
  };
}

/** The rate of `jobs` sends, the first at 0 and the last at `ms`. */
const perSec = (jobs: number, ms: number) =>
  ((jobs - 1) / Math.max(ms, 1)) * 1000;

/** Every started job's add has been answered, or nearly: this only guards against a hung reply. */
async function within(sends: Promise<void>[], what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(sends),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`bench: timed out waiting for ${what}`)),
          10_000,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface PhaseOutcome {
  latencies: number[];
  sentPerSec: number;
  sentBehindOthers?: number;
  drainMs?: number;
}

/** Jobs one at a time on an absolute schedule, so each finds the worker idle, blocked on Redis. */
async function idlePhase(
  app: LatencyApp,
  recorder: StartRecorder,
  id: LatencyContender,
  o: LatencyOptions,
): Promise<PhaseOutcome> {
  recorder.reset();
  const interval = 1000 / o.idlePerSec;
  const sends: Promise<void>[] = [];
  let sentBehindOthers = 0;
  const t0 = now();
  for (let i = 0; i < o.idleJobs; i++) {
    const ahead = t0 + i * interval - now();
    if (ahead > 0) await sleep(ahead);
    if (recorder.latencies.length < i) sentBehindOthers++;
    sends.push(app.send());
  }
  const sentPerSec = perSec(o.idleJobs, now() - t0);
  await recorder.waitFor(o.idleJobs, 30_000, `${id}: idle jobs to start`);
  await within(sends, `${id}: idle sends`);
  return { latencies: recorder.latencies, sentPerSec, sentBehindOthers };
}

/** `ratePerSec` for `seconds`: every TICK_MS, what is due by then (the fraction carries to the next tick). */
async function loadedPhase(
  app: LatencyApp,
  recorder: StartRecorder,
  id: LatencyContender,
  ratePerSec: number,
  seconds: number,
): Promise<PhaseOutcome> {
  recorder.reset();
  const total = Math.max(1, Math.round(ratePerSec * seconds));
  const sends: Promise<void>[] = [];
  const t0 = now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      // From the schedule, not the tick count: a late tick sends more, so the rate holds.
      const due = Math.min(
        total,
        Math.floor(((now() - t0) / 1000) * ratePerSec) + 1,
      );
      while (sends.length < due) sends.push(app.send());
      if (sends.length >= total) resolve();
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const lastSend = now();
  const sentPerSec = perSec(total, lastSend - t0);
  await recorder.waitFor(
    total,
    30_000 + total * 5,
    `${id}: loaded jobs to start`,
  );
  const drainMs = now() - lastSend;
  await within(sends, `${id}: loaded sends`);
  return { latencies: recorder.latencies, sentPerSec, drainMs };
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');

/**
 * Enqueue-to-start latency (issue 15, item 4). Raw bullmq (a Worker fed by queue.add) against a
 * nestjs-jobs app (@JobHandler fed by JobService.enqueue), both with concurrency 8 and the same
 * retention, producer and consumer in this process. Per round and contender, on a flushed Redis:
 * an idle phase (one job at a time at a low rate) then a loaded phase (half of raw's saturation).
 */
export async function runLatency(
  redis: PrivateRedis,
  o: LatencyOptions,
): Promise<LatencyResult> {
  const admin = new Redis(redis.url);
  const recorder = new StartRecorder();
  const bursts: LatencyResult['bursts'] = [];
  const runs: LatencyRun[] = [];
  const rates: number[] = [];
  /** One burst on a fresh boot of `id`: its jobs/s. */
  const measureBurst = async (id: LatencyContender, jobs: number) => {
    const app = await boot(redis, admin, id, recorder, o);
    try {
      return await burst(app, recorder, id, jobs);
    } finally {
      await app.close();
    }
  };
  try {
    for (const { id } of LATENCY_CONTENDERS)
      await measureBurst(id, o.warmUpJobs);

    for (let round = 0; round < o.rounds; round++) {
      // Measured each round: the machine is shared, and half of a rate measured at a quiet moment
      // can be more than a busy one keeps up with. Raw's sets one rate for both contenders.
      const saturation = { raw: 0, nestjsJobs: 0 };
      for (const { id } of rotate(LATENCY_CONTENDERS, round)) {
        const measured = await measureBurst(id, o.burstJobs);
        saturation[id] = measured.jobsPerSec;
        bursts.push({ contender: id, round, ...measured });
        log(
          `  latency round ${round + 1}/${o.rounds} ${id.padEnd(10)} saturation ${n0(measured.jobsPerSec)} jobs/s, ${measured.cpuUsPerJob.toFixed(0)} µs CPU/job`,
        );
      }
      const rate = o.loadShare * saturation.raw;
      rates.push(rate);
      log(
        `  latency round ${round + 1}/${o.rounds}: loaded phase at ${n0(rate)} jobs/s`,
      );
      for (const { id } of rotate(LATENCY_CONTENDERS, round)) {
        const app = await boot(redis, admin, id, recorder, o);
        try {
          const loadIdle = os.loadavg()[0];
          const idle = await idlePhase(app, recorder, id, o);
          runs.push(summarise(id, 'idle', round, idle, loadIdle));
          const loadLoaded = os.loadavg()[0];
          const loaded = await loadedPhase(
            app,
            recorder,
            id,
            rate,
            o.loadedSeconds,
          );
          runs.push(summarise(id, 'loaded', round, loaded, loadLoaded));
        } finally {
          await app.close();
        }
        for (const run of runs.slice(-2))
          log(
            `  latency round ${round + 1}/${o.rounds} ${id.padEnd(10)} ${run.phase.padEnd(6)} ${run.jobs} jobs at ${Math.round(run.sentPerSec)}/s: ` +
              `p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)}, p99.9 ${run.p999.toFixed(2)}, max ${run.max.toFixed(1)}; ` +
              (run.sentBehindOthers === undefined
                ? ''
                : `${run.sentBehindOthers} sent while an earlier one waited; `) +
              (run.drainMs === undefined
                ? ''
                : `all started ${run.drainMs.toFixed(0)} ms after the last send; `) +
              `load ${run.loadavg.toFixed(2)}`,
          );
      }
    }
    return {
      options: o,
      concurrency: CONCURRENCY,
      bursts,
      saturation: {
        raw: medianBurst(bursts, 'raw', (b) => b.jobsPerSec),
        nestjsJobs: medianBurst(bursts, 'nestjsJobs', (b) => b.jobsPerSec),
      },
      cpuUsPerJob: {
        raw: medianBurst(bursts, 'raw', (b) => b.cpuUsPerJob),
        nestjsJobs: medianBurst(bursts, 'nestjsJobs', (b) => b.cpuUsPerJob),
      },
      loadedPerSec: median(rates),
      ...aggregate(runs, o.rounds),
      runs,
    };
  } finally {
    await admin.flushall();
    admin.disconnect();
  }
}

const medianBurst = (
  bursts: LatencyBurst[],
  id: LatencyContender,
  pick: (b: LatencyBurst) => number,
) => median(bursts.filter((b) => b.contender === id).map(pick));

function summarise(
  contender: LatencyContender,
  phase: LatencyPhase,
  round: number,
  outcome: PhaseOutcome,
  loadavg: number,
): LatencyRun {
  const l = outcome.latencies;
  return {
    contender,
    phase,
    round,
    jobs: l.length,
    p50: percentile(l, 50),
    p99: percentile(l, 99),
    p999: percentile(l, 99.9),
    max: Math.max(...l),
    sentPerSec: outcome.sentPerSec,
    ...(outcome.sentBehindOthers !== undefined && {
      sentBehindOthers: outcome.sentBehindOthers,
    }),
    ...(outcome.drainMs !== undefined && { drainMs: outcome.drainMs }),
    loadavg,
  };
}

function aggregate(
  runs: LatencyRun[],
  rounds: number,
): Pick<LatencyResult, 'rows' | 'ratios'> {
  const phases: LatencyPhase[] = ['idle', 'loaded'];
  const of = (phase: LatencyPhase, contender: LatencyContender) =>
    runs.filter((r) => r.phase === phase && r.contender === contender);
  const rows = phases.flatMap((phase) =>
    LATENCY_CONTENDERS.map(({ id }) => {
      const mine = of(phase, id);
      return {
        phase,
        contender: id,
        minJobs: Math.min(...mine.map((r) => r.jobs)),
        p50: spread(mine.map((r) => r.p50)),
        p99: spread(mine.map((r) => r.p99)),
        p999: spread(mine.map((r) => r.p999)),
      };
    }),
  );
  // Within a round the two ran seconds apart: steadier on a shared machine than a ratio of medians.
  const ratios = phases.map((phase) => {
    const perRound = (pick: (r: LatencyRun) => number) =>
      Array.from({ length: rounds }, (_, round) => {
        const [a, c] = (['raw', 'nestjsJobs'] as const).map((id) =>
          of(phase, id).find((r) => r.round === round)!,
        );
        return pick(c) / pick(a);
      });
    return {
      phase,
      p50: spread(perRound((r) => r.p50)),
      p99: spread(perRound((r) => r.p99)),
    };
  });
  return { rows, ratios };
}
