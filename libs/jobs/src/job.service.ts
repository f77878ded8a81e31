import { Injectable } from '@nestjs/common';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import { JobProducer } from './queues/job-producer';
import { JobsMonitor } from './monitoring/jobs-monitor';
import { ControlChannel, type CancelOutcome } from './workers/control-channel';
import type { WorkerInfo } from './interfaces/worker-info.interface';
import type { JobSchedule } from './interfaces/job-schedule.interface';
import type { QueueStats } from './monitoring/queue-stats.interface';
import type { JobInfo, JobRef, JobRequest } from './interfaces/job.interface';

export type { CancelOutcome } from './workers/control-channel';

/**
 * Enqueues jobs onto their queue and reads them back. Injectable anywhere once `JobsModule` is
 * imported. A facade: enqueueing is `JobProducer`'s, reading `JobsMonitor`'s, control `ControlChannel`'s.
 * @example
 * const ref = await jobs.enqueue({ name: 'backup', data: { deviceId: 7 } }, 'high_priority');
 * const info = await jobs.get(ref.id);
 */
@Injectable()
export class JobService {
  constructor(
    private readonly queues: JobsQueueRegistry,
    private readonly handlers: JobHandlerRegistry,
    private readonly producer: JobProducer,
    private readonly monitor: JobsMonitor,
    private readonly control: ControlChannel,
  ) {}

  /**
   * Adds one job. The queue is the first of: `queueName`, the `routes` entry for the job's name,
   * the handler's `queue` option, `default`. Rejects, having enqueued nothing, with
   * `UnknownJobError`, `UnknownQueueError`, `JobValidationError` or `JobsConnectionError`.
   */
  enqueue<N extends string>(
    job: JobRequest<N>,
    queueName?: string,
  ): Promise<JobRef> {
    return this.producer.enqueue(job, queueName);
  }

  /**
   * Adds many jobs, one round trip per queue (BullMQ `addBulk`). Every job is checked before any is
   * added, so one bad job means none is enqueued. Refs come back in the order given.
   * Each job's `data` is type-checked against its own `name` (a tuple of names, because one `N`
   * would widen to the union of all names and accept one job's payload under another's name).
   */
  enqueueMany<N extends readonly string[]>(
    jobs: readonly [...{ [K in keyof N]: JobRequest<N[K]> }],
    queueName?: string,
  ): Promise<JobRef[]> {
    return this.producer.enqueueMany(jobs, queueName);
  }

  /** Reads a job by id from whichever queue holds it, or `null` when no queue does. */
  get<R = unknown>(id: string): Promise<JobInfo<R> | null> {
    return this.monitor.get<R>(id);
  }

  /** The names of all configured queues. */
  queueNames(): string[] {
    return this.queues.names();
  }

  /** The job names that have a `@JobHandler` in this app. */
  jobNames(): string[] {
    return this.handlers.names();
  }

  /**
   * Cancels a job wherever it is. A waiting or delayed job is removed (`'removed'`). A running job's
   * `ctx.signal` aborts in whichever process runs it, and it ends `failed` with `JobCancelledError`
   * and `reason`, without retry; its result is discarded even if the handler ignores the signal
   * (`'signalled'`). A finished job is left as it is (`'finished'`); an unknown id gives `'not-found'`.
   */
  cancel(id: string, reason?: string): Promise<CancelOutcome> {
    return this.control.cancel(id, reason);
  }

  /**
   * Sets how many jobs of `queue` each live worker process runs at once, within about a second and
   * without a restart (it turns autoscaling off for that queue in those processes). Processes
   * started later use the configured value. Resolves with the number of processes reached (on a Redis
   * Cluster, only those subscribed through the node that took the message; `workers()` shows them all).
   */
  setConcurrency(queue: string, concurrency: number): Promise<number> {
    return this.control.setConcurrency(queue, concurrency);
  }

  /** Recurring jobs declared with `@JobHandler(name, { repeat })`, with their queue and next run. */
  schedules(): Promise<JobSchedule[]> {
    return this.monitor.schedules();
  }

  /**
   * Each configured queue's counts, pause state, concurrency, live workers, latency (age of the next
   * waiting job) and jobs finished in the last minute; or only `queue`'s. Reads every queue at once.
   */
  stats(queue?: string): Promise<QueueStats[]> {
    return this.monitor.stats(queue);
  }

  /** Worker processes whose heartbeat is fresh, in any process or host sharing this Redis. */
  workers(): Promise<WorkerInfo[]> {
    return this.monitor.workers();
  }

  /**
   * Queues that have jobs waiting but no live worker process serving them: those jobs will not run
   * until a worker for the queue starts.
   */
  queuesWithoutWorkers(): Promise<string[]> {
    return this.monitor.queuesWithoutWorkers();
  }
}
