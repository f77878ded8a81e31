// What the pool scenarios share: a producer app (no workers) and the worker entry (pool-child.ts)
// forked as a real process, one serving every queue or a pool's supervisor, waited for through
// JobService.workers() and always stopped, with every process it started.
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  getQueueToken,
  JobsModule,
  JobService,
  type WorkerInfo,
} from 'nestjs-jobs';
import { bootNest } from '../contenders';
import { sleep, type PrivateRedis } from '../support';
import {
  poolBenchHandlers,
  poolBenchQueues,
  type PoolBenchEnv,
} from './pool-child';

/** Heartbeats every 250 ms, so workers() shows a new process within a quarter of a second. */
const HEARTBEAT_MS = 250;
const BOOT_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

export interface PoolSetup {
  /** Concurrency of the `default` queue (the CPU-bound jobs), per process. */
  defaultConcurrency: number;
  /** Processes of `default`; undefined: one process serves every queue, no pool. */
  defaultProcesses?: number;
  /** Concurrency of `urgent`; 0: no such queue. */
  urgentConcurrency: number;
}

export interface PoolProducer {
  jobs: JobService;
  queue(name: string): Queue;
  close(): Promise<void>;
}

const envFor = (
  redis: PrivateRedis,
  prefix: string,
  s: PoolSetup,
): PoolBenchEnv => ({
  BENCH_REDIS_URL: redis.url,
  BENCH_PREFIX: prefix,
  BENCH_DEFAULT_CONCURRENCY: String(s.defaultConcurrency),
  ...(s.defaultProcesses !== undefined && {
    BENCH_DEFAULT_PROCESSES: String(s.defaultProcesses),
  }),
  BENCH_URGENT_CONCURRENCY: String(s.urgentConcurrency),
  BENCH_HEARTBEAT_MS: String(HEARTBEAT_MS),
});

/** A Nest app with the same queues and job names as the workers, serving none of them. */
export async function startProducer(
  redis: PrivateRedis,
  prefix: string,
  setup: PoolSetup,
): Promise<PoolProducer> {
  const env = {
    ...envFor(redis, prefix, setup),
    BENCH_DEFAULT_PROCESSES: undefined,
  };
  @Module({
    imports: [
      JobsModule.forRoot({
        connection: redis.url,
        prefix,
        workers: false,
        heartbeatIntervalMs: HEARTBEAT_MS,
        queues: poolBenchQueues(env),
      }),
    ],
    providers: poolBenchHandlers(env),
  })
  class PoolBenchProducerModule {}
  const nest = await bootNest(PoolBenchProducerModule);
  return {
    jobs: nest.app.get(JobService),
    queue: (name) => nest.app.get<Queue>(getQueueToken(name)),
    close: () => nest.close(),
  };
}

/** The worker entry the bench forked, and the processes it serves with. */
export interface PoolWorker {
  child: ChildProcess;
  /** The processes that serve queues (the child itself without a pool, else the pool's processes). */
  serving: WorkerInfo[];
  output(): string;
  stop(): Promise<void>;
}

/**
 * Forks pool-child.js and waits until the processes serving queues are live in `workers()`: with a
 * pool, `defaultProcesses` serving `default` alone plus one for `urgent`; without, the child itself
 * serving both. Boot time is not part of any measurement.
 */
export async function startWorker(
  redis: PrivateRedis,
  prefix: string,
  setup: PoolSetup,
  producer: PoolProducer,
): Promise<PoolWorker> {
  const child = fork(path.join(__dirname, 'pool-child.js'), [], {
    env: { ...process.env, ...envFor(redis, prefix, setup) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve()),
  );
  let seen: WorkerInfo[] = [];
  const stop = async () => {
    // SIGTERM: the supervisor drains its processes; SIGKILL after a deadline, then any pool process
    // still alive (they also stop by themselves once their supervisor's IPC channel closes).
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const late = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(late);
    }
    for (const w of seen) await killWhenAlive(w.pid);
  };
  try {
    const pid = child.pid!;
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `pool bench worker exited (${child.exitCode ?? child.signalCode}) before serving:\n${out}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(
          `pool bench worker not serving within ${BOOT_TIMEOUT_MS / 1000} s:\n${out}`,
        );
      const all = await producer.jobs.workers().catch(() => [] as WorkerInfo[]);
      const mine =
        setup.defaultProcesses === undefined
          ? all.filter((w) => w.pid === pid)
          : all.filter((w) => w.pool?.includes(`:${pid}:`));
      seen = mine;
      const onDefault = mine.filter(
        (w) => w.queues.join() === 'default',
      ).length;
      const ready =
        setup.defaultProcesses === undefined
          ? mine.length === 1 &&
            mine[0].queues.includes('default') &&
            (setup.urgentConcurrency === 0 || mine[0].queues.includes('urgent'))
          : onDefault === setup.defaultProcesses &&
            (setup.urgentConcurrency === 0 ||
              mine.some((w) => w.queues.join() === 'urgent'));
      if (ready) return { child, serving: mine, output: () => out, stop };
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

async function killWhenAlive(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 50 && alive(); i++) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}
