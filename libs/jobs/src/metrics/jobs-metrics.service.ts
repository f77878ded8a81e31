import { LogLines } from '../jobs.messages';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JobService } from '../job.service';
import { JobsInternals } from '../jobs.internals';
import { failedForGood } from '../workers/final-failure';
import type { QueueStats } from '../monitoring/queue-stats.interface';
import type { JobsMetricsOptions } from './jobs-metrics-options.interface';

export const JOBS_METRICS_OPTIONS = Symbol('JOBS_METRICS_OPTIONS');

const STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
/**
 * The `name` label of jobs with no `@JobHandler` in this app (added through bull-board or raw
 * BullMQ): one value for all of them, so random names cannot grow the series without bound.
 */
export const UNREGISTERED_JOB_LABEL = '(unregistered)';
const DEFAULT_WAIT_BUCKETS = [
  0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600,
];
const DEFAULT_RUN_BUCKETS = [
  0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900,
];

/**
 * Prometheus metrics of the jobs. Queue gauges are read from Redis when scraped (one batched
 * `JobService.stats()` per scrape); job histograms and counters are observed in-process from the
 * workers' events, with the timestamps the job already carries: no Redis call per job.
 */
@Injectable()
export class JobsMetrics implements OnModuleInit {
  readonly registry: Registry;
  private readonly logger = new Logger('JobsMetrics');
  private readonly waitTime: Histogram<'queue' | 'name'>;
  private readonly runTime: Histogram<'queue' | 'name'>;
  private readonly completed: Counter<'queue' | 'name'>;
  private readonly failed: Counter<'queue' | 'name'>;
  private readonly retried: Counter<'queue' | 'name'>;
  private scrape?: Promise<QueueStats[] | undefined>;
  /** Job names with a handler, read once the handlers are known (workers start after every module init). */
  private registered?: ReadonlySet<string>;

  constructor(
    @Inject(JOBS_METRICS_OPTIONS) options: JobsMetricsOptions,
    private readonly jobs: JobService,
    private readonly internals: JobsInternals,
  ) {
    const registry = (this.registry = options.registry ?? new Registry());
    const p = options.prefix ?? 'nestjs_jobs_';
    const registers = [registry];
    // Every gauge shares one stats read per scrape: prom-client calls all `collect`s in the same tick.
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge, s: QueueStats) => void,
    ) => {
      const snapshot = () => this.snapshot();
      return new Gauge({
        name: p + name,
        help,
        labelNames,
        registers,
        async collect() {
          const stats = await snapshot();
          this.reset();
          for (const s of stats ?? []) fill(this, s);
        },
      });
    };
    gauge(
      'queue_jobs',
      'Jobs in each queue by state.',
      ['queue', 'state'],
      (g, s) => {
        for (const state of STATES)
          g.set({ queue: s.queue, state }, s.counts[state]);
      },
    );
    gauge('queue_paused', '1 when the queue is paused.', ['queue'], (g, s) =>
      g.set({ queue: s.queue }, s.paused ? 1 : 0),
    );
    gauge(
      'queue_workers',
      'Live worker processes serving the queue.',
      ['queue'],
      (g, s) => g.set({ queue: s.queue }, s.workers),
    );
    gauge(
      'queue_processes',
      "Live processes of the queue's worker pool (queues with the processes option).",
      ['queue'],
      (g, s) => {
        if (s.pool) g.set({ queue: s.queue }, s.pool.processes);
      },
    );
    gauge(
      'queue_concurrency',
      'Configured jobs at once per worker process.',
      ['queue'],
      (g, s) => g.set({ queue: s.queue }, s.concurrency),
    );
    gauge(
      'queue_oldest_waiting_seconds',
      'How long the next job to run has waited (queue latency).',
      ['queue'],
      (g, s) => g.set({ queue: s.queue }, s.oldestWaitingMs / 1000),
    );
    const labelNames = ['queue', 'name'] as const;
    this.waitTime = new Histogram({
      name: `${p}job_wait_seconds`,
      help: 'Time from enqueue (or the end of its delay) to the first start of a job.',
      labelNames,
      buckets: options.buckets?.wait ?? DEFAULT_WAIT_BUCKETS,
      registers,
    });
    this.runTime = new Histogram({
      name: `${p}job_run_seconds`,
      help: 'Run time of each job attempt.',
      labelNames,
      buckets: options.buckets?.run ?? DEFAULT_RUN_BUCKETS,
      registers,
    });
    this.completed = new Counter({
      name: `${p}jobs_completed_total`,
      help: 'Jobs completed.',
      labelNames,
      registers,
    });
    this.failed = new Counter({
      name: `${p}jobs_failed_total`,
      help: 'Jobs failed for good (no attempts left).',
      labelNames,
      registers,
    });
    this.retried = new Counter({
      name: `${p}jobs_retried_total`,
      help: 'Failed attempts that will be retried.',
      labelNames,
      registers,
    });
  }

  onModuleInit(): void {
    this.internals.observeWorkers((queue, worker) =>
      this.observe(queue, worker),
    );
  }

  /** The metrics in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private observe(queue: string, worker: Worker): void {
    worker.on('active', (job: Job) => {
      // First start only: later attempts' waits include the retry backoff.
      if (job.attemptsStarted > 1 || !job.processedOn) return;
      const ready = job.timestamp + (job.delay || 0);
      this.waitTime.observe(
        { queue, name: this.label(job) },
        Math.max(0, job.processedOn - ready) / 1000,
      );
    });
    worker.on('completed', (job: Job) => {
      this.observeRun(queue, job);
      this.completed.inc({ queue, name: this.label(job) });
    });
    worker.on('failed', (job: Job | undefined) => {
      if (!job) return;
      this.observeRun(queue, job);
      (failedForGood(job) ? this.failed : this.retried).inc({
        queue,
        name: this.label(job),
      });
    });
  }

  private observeRun(queue: string, job: Job): void {
    if (!job.processedOn) return;
    const end = job.finishedOn || Date.now();
    this.runTime.observe(
      { queue, name: this.label(job) },
      Math.max(0, end - job.processedOn) / 1000,
    );
  }

  private label(job: Job): string {
    this.registered ??= new Set(this.jobs.jobNames());
    return this.registered.has(job.name) ? job.name : UNREGISTERED_JOB_LABEL;
  }

  private snapshot(): Promise<QueueStats[] | undefined> {
    this.scrape ??= this.jobs
      .stats()
      .catch((error: Error) => {
        // A scrape while Redis is away still serves the in-process metrics; the queue gauges go empty.
        this.logger.warn(LogLines.gaugesEmpty(error.message));
        return undefined;
      })
      .finally(() => setImmediate(() => (this.scrape = undefined)));
    return this.scrape;
  }
}
