import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Job, type JobsOptions } from 'bullmq';
import { JOBS_CONFIG } from './jobs.constants';
import { Messages } from './jobs.messages';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import { PayloadValidator } from './payload/payload-validator';
import { WorkerRegistry } from './workers/worker-registry';
import type { WorkerInfo } from './interfaces/worker-info.interface';
import type { JobSchedule } from './interfaces/job-schedule.interface';
import { JobSchedules } from './schedules/job-schedules';
import { CANCEL_MARKER_TTL_S, cancelMarkerKey, controlChannel, encodeCancelMarker, type ControlMessage } from './workers/worker-control';
import { readQueueStats } from './monitoring/queue-stats';
import type { QueueStats } from './monitoring/queue-stats.interface';

import { checkJobId, toBullJobOptions } from './utils/enqueue-options';
import { isReadableJobId } from './utils/job-id';
import { UnknownJobError } from './errors/unknown-job.error';
import { UnknownQueueError } from './errors/unknown-queue.error';
import { JobValidationError } from './errors/job-validation.error';
import { queuePrefix, type JobsConfig } from './jobs-config';
import type { JobInfo, JobRef, JobRequest, JobStatus } from './interfaces/job.interface';

/** What `JobService.cancel` did. */
export type CancelOutcome = 'removed' | 'signalled' | 'finished' | 'not-found';

const READ_FAILED = 'the job could not be read';
const CHANGE_FAILED = 'nothing was changed';

/** A job checked and ready for BullMQ. */
interface PreparedJob {
  queue: string;
  name: string;
  data: unknown;
  opts: JobsOptions & { jobId: string };
}

/**
 * Enqueues jobs onto their queue and reads them back. Injectable anywhere once `JobsModule` is
 * imported.
 * @example
 * const ref = await jobs.enqueue({ name: 'backup', data: { deviceId: 7 } }, 'high_priority');
 * const info = await jobs.get(ref.id);
 */
@Injectable()
export class JobService {
  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
    private readonly handlers: JobHandlerRegistry,
    private readonly payloads: PayloadValidator,
    private readonly workerRegistry: WorkerRegistry,
    private readonly jobSchedules: JobSchedules,
  ) {}

  /**
   * Adds one job. The queue is the first of: `queueName`, the `routes` entry for the job's name,
   * the handler's `queue` option, `default`. Rejects, having enqueued nothing, with
   * `UnknownJobError`, `UnknownQueueError`, `JobValidationError` or `JobsConnectionError`.
   */
  async enqueue<N extends string>(job: JobRequest<N>, queueName?: string): Promise<JobRef> {
    const prepared = this.prepare(job, queueName);
    // Checked here rather than awaiting an already resolved promise: it saves a tick per job.
    if (this.queues.producer.status !== 'ready') await this.queues.whenReady();
    const added = await this.queues.withDeadline(
      this.queues.get(prepared.queue).add(prepared.name, prepared.data, prepared.opts),
    );
    return { id: added.id ?? prepared.opts.jobId, name: prepared.name, queue: prepared.queue };
  }

  /**
   * Adds many jobs, one round trip per queue (BullMQ `addBulk`). Every job is checked before any is
   * added, so one bad job means none is enqueued. Refs come back in the order given.
   * Each job's `data` is type-checked against its own `name` (a tuple of names, because one `N`
   * would widen to the union of all names and accept one job's payload under another's name).
   */
  async enqueueMany<N extends readonly string[]>(
    jobs: readonly [...{ [K in keyof N]: JobRequest<N[K]> }],
    queueName?: string,
  ): Promise<JobRef[]> {
    if (!Array.isArray(jobs)) throw new JobValidationError(Messages.invalidJobRequest(jobs));
    const prepared = jobs.map((job, index) => {
      try {
        return this.prepare(job, queueName);
      } catch (error) {
        if (error instanceof JobValidationError) {
          throw new JobValidationError(`jobs[${index}]: ${error.message}`, error.problems);
        }
        throw error;
      }
    });
    const byQueue = new Map<string, PreparedJob[]>();
    for (const job of prepared) {
      const list = byQueue.get(job.queue);
      if (list) list.push(job);
      else byQueue.set(job.queue, [job]);
    }
    await this.queues.whenReady();
    await this.queues.withDeadline(
      Promise.all([...byQueue].map(([queue, list]) => this.queues.get(queue).addBulk(list))),
    );
    return prepared.map((job) => ({ id: job.opts.jobId, name: job.name, queue: job.queue }));
  }

  /** Reads a job by id from whichever queue holds it, or `null` when no queue does. */
  async get<R = unknown>(id: string): Promise<JobInfo<R> | null> {
    if (typeof id !== 'string' || id === '') return null;
    await this.queues.whenReady(READ_FAILED);
    const found = await this.find(id);
    if (!found) return null;
    const { queue, job, state } = found;
    const logs = await this.queues.get(queue).getJobLogs(id);
    return {
      id,
      name: job.name,
      queue,
      status: toStatus(state),
      data: job.data,
      result: (job.returnvalue ?? null) as R | null,
      // An attempt that failed before a successful retry is not the job's error.
      error: state === 'completed' ? null : job.failedReason || null,
      attemptsMade: job.attemptsMade,
      progress: job.progress as number | object,
      logs: logs.logs,
      createdAt: new Date(job.timestamp),
      startedAt: job.processedOn ? new Date(job.processedOn) : null,
      finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
    };
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
  async cancel(id: string, reason?: string): Promise<CancelOutcome> {
    if (reason !== undefined && typeof reason !== 'string') {
      throw new JobValidationError(Messages.invalidCancelReason(reason));
    }
    await this.queues.whenReady(CHANGE_FAILED);
    const found = typeof id === 'string' && id !== '' ? await this.find(id) : null;
    if (!found) return 'not-found';
    const { job, state } = found;
    if (state === 'completed' || state === 'failed') return 'finished';
    if (state !== 'active') {
      try {
        await this.queues.withDeadline(job.remove(), CHANGE_FAILED);
        return 'removed';
      } catch (error) {
        // It started between the read and the remove (BullMQ refuses to remove a locked job).
        if (!/locked/i.test((error as Error).message)) throw error;
      }
    }
    // Kept in Redis as well: when no process hears the message (its worker restarting), the job is
    // failed when it restarts instead of running again.
    const marker = encodeCancelMarker({ createdAt: job.timestamp, ...(reason !== undefined && { reason }) });
    const key = cancelMarkerKey(queuePrefix(this.config, found.queue), found.queue, id);
    await this.queues.withDeadline(this.queues.producer.set(key, marker, 'EX', CANCEL_MARKER_TTL_S), CHANGE_FAILED);
    const message: ControlMessage = { type: 'cancel', id, ...(reason !== undefined && { reason }), createdAt: job.timestamp };
    await this.queues.withDeadline(this.queues.producer.publish(controlChannel(this.config.prefix), JSON.stringify(message)), CHANGE_FAILED);
    return 'signalled';
  }

  /**
   * Sets how many jobs of `queue` each live worker process runs at once, within about a second and
   * without a restart (it turns autoscaling off for that queue in those processes). Processes
   * started later use the configured value. Resolves with the number of processes reached (on a Redis
   * Cluster, only those subscribed through the node that took the message; `workers()` shows them all).
   */
  async setConcurrency(queue: string, concurrency: number): Promise<number> {
    if (!this.queues.has(queue)) throw new UnknownQueueError(String(queue), this.queues.names());
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new JobValidationError(Messages.invalidConcurrency(queue, concurrency));
    }
    await this.queues.whenReady(CHANGE_FAILED);
    const message: ControlMessage = { type: 'concurrency', queue, concurrency };
    return this.queues.withDeadline(
      this.queues.producer.publish(controlChannel(this.config.prefix), JSON.stringify(message)),
      CHANGE_FAILED,
    );
  }

  /** Recurring jobs declared with `@JobHandler(name, { repeat })`, with their queue and next run. */
  async schedules(): Promise<JobSchedule[]> {
    await this.queues.whenReady(READ_FAILED);
    return this.queues.withDeadline(this.jobSchedules.list(), READ_FAILED);
  }

  /**
   * Each configured queue's counts, pause state, concurrency, live workers, latency (age of the next
   * waiting job) and jobs finished in the last minute; or only `queue`'s. Reads every queue at once.
   */
  async stats(queue?: string): Promise<QueueStats[]> {
    if (queue !== undefined && !this.queues.has(queue)) throw new UnknownQueueError(String(queue), this.queues.names());
    await this.queues.whenReady(READ_FAILED);
    const names = queue === undefined ? this.queues.names() : [queue];
    return this.queues.withDeadline(
      this.workerRegistry.list().then((workers) => {
        const now = Date.now();
        return Promise.all(
          names.map((name) => readQueueStats(this.queues.get(name), this.config.queues.get(name)!, this.queues.producer, workers, now)),
        );
      }),
      READ_FAILED,
    );
  }

  /** Worker processes whose heartbeat is fresh, in any process or host sharing this Redis. */
  async workers(): Promise<WorkerInfo[]> {
    await this.queues.whenReady(READ_FAILED);
    return this.queues.withDeadline(this.workerRegistry.list(), READ_FAILED);
  }

  /**
   * Queues that have jobs waiting but no live worker process serving them: those jobs will not run
   * until a worker for the queue starts.
   */
  async queuesWithoutWorkers(): Promise<string[]> {
    await this.queues.whenReady(READ_FAILED);
    const names = this.queues.names();
    const [workers, waiting] = await this.queues.withDeadline(
      Promise.all([
        this.workerRegistry.list(),
        Promise.all(names.map((name) => this.queues.get(name).getJobCountByTypes('wait', 'prioritized'))),
      ]),
      READ_FAILED,
    );
    const served = new Set(workers.flatMap((w) => w.queues));
    return names.filter((name, i) => waiting[i] > 0 && !served.has(name));
  }

  private async find(id: string): Promise<{ queue: string; job: Job; state: string } | null> {
    // An id that names a queue's own key (`meta`, `wait`, ...) must never be read or removed as a job.
    if (!isReadableJobId(id)) return null;
    const names = this.queues.names();
    // Ids are unique across queues; ask every queue at once (one round trip) which one has it.
    // Every job is a hash: any other type at that key is not a job.
    const types = await this.queues.withDeadline(
      Promise.all(names.map((name) => this.queues.producer.type(this.queues.get(name).toKey(id)))),
      READ_FAILED,
    );
    const index = types.findIndex((type) => type === 'hash');
    if (index < 0) return null;
    const queue = this.queues.get(names[index]);
    // State first, then the job: a job that finishes in between then shows its final fields,
    // and its state is corrected from them below.
    let state: string = await queue.getJobState(id);
    const job = await Job.fromId(queue, id);
    if (!job) return null;
    if (job.finishedOn && state !== 'completed' && state !== 'failed') {
      state = job.failedReason && job.returnvalue == null ? 'failed' : 'completed';
    }
    return { queue: names[index], job, state };
  }

  private prepare(job: JobRequest, queueName: string | undefined): PreparedJob {
    if (typeof job !== 'object' || job === null || typeof job.name !== 'string' || job.name === '') {
      throw new JobValidationError(Messages.invalidJobRequest(job));
    }
    const { name, data, options } = job;
    const handler = this.handlers.get(name);
    if (!handler) throw new UnknownJobError(name, this.handlers.names());
    const queue = queueName ?? this.jobSchedules.queueOf(name);
    if (!this.queues.has(queue)) throw new UnknownQueueError(String(queue), this.queues.names());
    const jobId = options?.jobId !== undefined ? checkJobId(name, options.jobId) : randomUUID();
    const opts = toBullJobOptions(name, jobId, options, handler.options) as PreparedJob['opts'];
    const payload = data ?? {};
    this.payloads.checkForEnqueue(name, payload, handler.options.payload);
    return { queue, name, data: payload, opts };
  }
}

function toStatus(state: string): JobStatus {
  switch (state) {
    case 'active':
    case 'completed':
    case 'failed':
    case 'delayed':
      return state;
    default:
      // 'waiting', 'prioritized' and 'waiting-children' all mean "not started yet".
      return 'waiting';
  }
}
