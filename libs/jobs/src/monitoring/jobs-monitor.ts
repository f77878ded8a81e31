import { Inject, Injectable } from '@nestjs/common';
import { JOBS_CONFIG } from '../jobs.constants';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import { WorkerRegistry } from '../workers/worker-registry';
import { JobSchedules } from '../schedules/job-schedules';
import { UnknownQueueError } from '../errors/unknown-queue.error';
import type { JobsConfig } from '../config/jobs-config';
import type { JobInfo, JobStatus } from '../interfaces/job.interface';
import type { JobSchedule } from '../interfaces/job-schedule.interface';
import type { WorkerInfo } from '../interfaces/worker-info.interface';
import type { QueueStats } from './queue-stats.interface';
import { readQueueStats } from './queue-stats';

const READ_FAILED = 'the job could not be read';

/** The read side of `JobService`: jobs, schedules, queue stats and live workers. */
@Injectable()
export class JobsMonitor {
  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
    private readonly workerRegistry: WorkerRegistry,
    private readonly jobSchedules: JobSchedules,
  ) {}

  /** See `JobService.get`. */
  async get<R>(id: string): Promise<JobInfo<R> | null> {
    if (typeof id !== 'string' || id === '') return null;
    await this.queues.whenReady(READ_FAILED);
    const found = await this.queues.findJob(id);
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

  schedules(): Promise<JobSchedule[]> {
    return this.queues.call(() => this.jobSchedules.list(), READ_FAILED);
  }

  stats(queue?: string): Promise<QueueStats[]> {
    if (queue !== undefined && !this.queues.has(queue))
      return Promise.reject(
        new UnknownQueueError(String(queue), this.queues.names()),
      );
    const names = queue === undefined ? this.queues.names() : [queue];
    return this.queues.call(async () => {
      const workers = await this.workerRegistry.list();
      const now = Date.now();
      return Promise.all(
        names.map((name) =>
          readQueueStats(
            this.queues.get(name),
            this.config.queues.get(name)!,
            this.queues.producer,
            workers,
            now,
          ),
        ),
      );
    }, READ_FAILED);
  }

  workers(): Promise<WorkerInfo[]> {
    return this.queues.call(() => this.workerRegistry.list(), READ_FAILED);
  }

  async queuesWithoutWorkers(): Promise<string[]> {
    const names = this.queues.names();
    const [workers, waiting] = await this.queues.call(
      () =>
        Promise.all([
          this.workerRegistry.list(),
          Promise.all(
            names.map((name) =>
              this.queues.get(name).getJobCountByTypes('wait', 'prioritized'),
            ),
          ),
        ]),
      READ_FAILED,
    );
    const served = new Set(workers.flatMap((w) => w.queues));
    return names.filter((name, i) => waiting[i] > 0 && !served.has(name));
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
