import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull-shared';
import type { Queue } from 'bullmq';
import {
  JobHandler,
  JobsModule,
  JobService,
  type JobsConnection,
} from 'nestjs-jobs';
import { bootNest } from '../contenders';
import { log, now, repoRoot, sleep, type PrivateRedis } from '../support';
import { SCALEOUT_QUEUES } from './scaleout-child';

export interface ScaleoutOptions {
  jobsPerQueue: number;
  processes: number[];
}

export interface ScaleoutCase {
  redis: 'single' | 'cluster';
  processes: number;
  jobs: number;
  jobsPerSec: number;
}

export interface ScaleoutResult {
  options: ScaleoutOptions;
  cases: ScaleoutCase[];
  /** cluster / single throughput, per process count. */
  clusterRatio: Record<number, number>;
  /** n processes / 1 process throughput, per Redis kind. */
  processRatio: {
    single: Record<number, number>;
    cluster: Record<number, number>;
  };
}

/**
 * Issue 7's scenario: 4 queues of no-op jobs drained by 1, 2 or 4 worker processes (concurrency 8
 * per queue each), on one Redis and on a 3-master Redis Cluster where the queues spread over the
 * shards. Queues are paused while loaded, so the clock measures draining only.
 */
export async function runScaleout(
  redis: PrivateRedis,
  options: ScaleoutOptions,
): Promise<ScaleoutResult> {
  // Loaded from the workspace at run time, as startRedis loads private-redis.js; typed by
  // scripts/private-redis-cluster.d.ts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled bench runs from dist/bench, so the path is computed, which an import cannot do
  const { startPrivateCluster } = require(
    path.join(repoRoot, 'scripts', 'private-redis-cluster.js'),
  ) as typeof import('../../../scripts/private-redis-cluster');
  const cluster = await startPrivateCluster({ masters: 3 });
  const cases: ScaleoutCase[] = [];
  try {
    for (const processes of options.processes) {
      // Alternate the two kinds at each process count, on the same machine load.
      cases.push(
        await runCase(
          'single',
          { REDIS_URL: redis.url },
          redis.url,
          processes,
          options.jobsPerQueue,
        ),
      );
      cases.push(
        await runCase(
          'cluster',
          { REDIS_CLUSTER_NODES: cluster.nodesEnv },
          { cluster: { nodes: cluster.nodesEnv.split(',') } },
          processes,
          options.jobsPerQueue,
        ),
      );
    }
  } finally {
    await cluster.stop();
  }
  const rate = (kind: 'single' | 'cluster', n: number) =>
    cases.find((c) => c.redis === kind && c.processes === n)!.jobsPerSec;
  const first = options.processes[0];
  return {
    options,
    cases,
    clusterRatio: Object.fromEntries(
      options.processes.map((n) => [n, rate('cluster', n) / rate('single', n)]),
    ),
    processRatio: {
      single: Object.fromEntries(
        options.processes.map((n) => [
          n,
          rate('single', n) / rate('single', first),
        ]),
      ),
      cluster: Object.fromEntries(
        options.processes.map((n) => [
          n,
          rate('cluster', n) / rate('cluster', first),
        ]),
      ),
    },
  };
}

@Injectable()
class NoopProducer {
  @JobHandler('noop')
  noop(): void {}
}

async function runCase(
  kind: 'single' | 'cluster',
  env: Record<string, string>,
  connection: JobsConnection,
  processes: number,
  jobsPerQueue: number,
): Promise<ScaleoutCase> {
  const prefix = `bench-scale-${kind}-${processes}-${Date.now()}`;
  @Module({
    imports: [
      JobsModule.forRoot({
        connection,
        prefix,
        workers: false,
        queues: Object.fromEntries(SCALEOUT_QUEUES.map((q) => [q, 1])),
      }),
    ],
    providers: [NoopProducer],
  })
  class ScaleoutProducerModule {}
  const producer = await bootNest(ScaleoutProducerModule);
  const children: ChildProcess[] = [];
  try {
    const jobs = producer.app.get(JobService);
    const queues = SCALEOUT_QUEUES.map((q) =>
      producer.app.get<Queue>(getQueueToken(q)),
    );
    await Promise.all(queues.map((q) => q.pause()));
    for (const queue of SCALEOUT_QUEUES) {
      for (let i = 0; i < jobsPerQueue; i += 1_000) {
        await jobs.enqueueMany(
          Array.from({ length: Math.min(1_000, jobsPerQueue - i) }, () => ({
            name: 'noop',
          })),
          queue,
        );
      }
    }
    for (let i = 0; i < processes; i++)
      children.push(startChild({ ...env, BENCH_PREFIX: prefix }));
    await Promise.all(children.map(ready));
    const started = now();
    await Promise.all(queues.map((q) => q.resume()));
    for (;;) {
      const left = await Promise.all(
        queues.map((q) =>
          q.getJobCountByTypes('wait', 'active', 'prioritized'),
        ),
      );
      if (left.every((n) => n === 0)) break;
      if (now() - started > 600_000)
        throw new Error('scale-out case did not drain within 10 minutes');
      await sleep(20);
    }
    const total = jobsPerQueue * SCALEOUT_QUEUES.length;
    const jobsPerSec = total / ((now() - started) / 1000);
    log(
      `  ${kind}, ${processes} process(es): ${Math.round(jobsPerSec)} jobs/s`,
    );
    return { redis: kind, processes, jobs: total, jobsPerSec };
  } finally {
    await Promise.all(children.map(stopChild));
    await producer.close();
  }
}

function startChild(env: Record<string, string>): ChildProcess {
  return fork(path.join(__dirname, 'scaleout-child.js'), [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('scale-out worker did not start within 60 s')),
      60_000,
    );
    child.stdout!.on('data', (d) => {
      if (String(d).includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`scale-out worker exited with ${code}`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
