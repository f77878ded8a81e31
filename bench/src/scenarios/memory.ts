import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { backupData } from './enqueue';
import { log, type PrivateRedis } from '../support';

export interface MemorySample {
  jobs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface MemoryResult {
  jobs: number;
  /** The sample compared against the last one (after the warm-up). */
  baselineJobs: number;
  samples: MemorySample[];
  /** (last - baseline) / baseline. Target: < 10% for both. */
  rssDrift: number;
  heapDrift: number;
}

const LOAD_BATCH = 1_000;

/**
 * Scenario 4. A separate worker process (its own heap and RSS, nothing else in it) runs `jobs`
 * validated jobs; it samples memory after a forced GC every `every` jobs. The queue is fed in
 * batches as it drains, so Redis stays small and the process is always busy.
 */
export async function runMemory(
  redis: PrivateRedis,
  opts: { jobs: number; every: number; baselineJobs: number },
): Promise<MemoryResult> {
  const admin = new Redis(redis.url);
  await admin.flushall();
  const queue = new Queue('default', {
    connection: { host: redis.host, port: redis.port },
    prefix: 'bench-mem',
  });
  const samples: MemorySample[] = [];
  const child = fork(path.join(__dirname, 'memory-child.js'), [], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      BENCH_JOBS: String(opts.jobs),
      BENCH_EVERY: String(opts.every),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  try {
    const done = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { type: string } & MemorySample) => {
        if (m.type === 'sample') {
          const { jobs, rss, heapUsed, heapTotal, external } = m;
          const sample = { jobs, rss, heapUsed, heapTotal, external };
          samples.push(sample);
          log(
            `  memory after ${sample.jobs.toLocaleString('en-US')} jobs: RSS ${mb(sample.rss)} MB, heap ${mb(sample.heapUsed)} MB`,
          );
        } else if (m.type === 'done') resolve();
      });
      void exited.then((code) =>
        reject(new Error(`bench: memory worker exited early (code ${code})`)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: { type: string }) =>
        m.type === 'ready'
          ? resolve()
          : reject(new Error(`unexpected ${m.type}`)),
      );
      void exited.then(() =>
        reject(new Error('bench: memory worker exited at start-up')),
      );
    });
    // Keep at most a few batches waiting: enough to never starve the worker.
    for (let fed = 0; fed < opts.jobs;) {
      if ((await queue.getWaitingCount()) > 4 * LOAD_BATCH) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const n = Math.min(LOAD_BATCH, opts.jobs - fed);
      await queue.addBulk(
        Array.from({ length: n }, (_, k) => ({
          name: 'backup',
          data: backupData(fed + k),
        })),
      );
      fed += n;
    }
    await withTimeout(
      done,
      120_000 + opts.jobs * 5,
      'the memory worker to finish',
    );
  } finally {
    if (child.connected) child.send({ type: 'exit' });
    await withTimeout(exited, 30_000, 'the memory worker to exit').catch(() =>
      child.kill('SIGKILL'),
    );
    await queue.close();
    await admin.flushall();
    admin.disconnect();
  }
  const baseline =
    samples.find((s) => s.jobs >= opts.baselineJobs) ?? samples[0];
  const last = samples[samples.length - 1];
  return {
    jobs: opts.jobs,
    baselineJobs: baseline.jobs,
    samples,
    rssDrift: (last.rss - baseline.rss) / baseline.rss,
    heapDrift: (last.heapUsed - baseline.heapUsed) / baseline.heapUsed,
  };
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () =>
          reject(
            new Error(`bench: timed out after ${ms} ms waiting for ${what}`),
          ),
        ms,
      )),
  );
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
