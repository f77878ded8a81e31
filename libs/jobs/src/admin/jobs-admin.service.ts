import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { JobService } from '../job.service';
import { JobsInternals } from '../jobs.internals';
import type { JobStatus } from '../interfaces/job.interface';

const READ_FAILED = 'the jobs could not be read';
const CHANGE_FAILED = 'nothing was changed';

/** A job in a listing: its state without data, result or logs (those are in the job's detail). */
export interface JobSummary {
  id: string;
  name: string;
  queue: string;
  status: JobStatus;
  attemptsMade: number;
  progress: number | object;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobPage {
  queue: string;
  status: JobStatus;
  page: number;
  pageSize: number;
  total: number;
  jobs: JobSummary[];
}

/** The admin API's operations beyond `JobService`: listing, retrying, pausing. */
@Injectable()
export class JobsAdminService {
  constructor(
    private readonly jobs: JobService,
    private readonly queues: JobsInternals,
  ) {}

  /**
   * One page of a queue's jobs in one status, in the order they will run (waiting: prioritized
   * first, then oldest; delayed: soonest) or, for finished jobs, newest first.
   */
  async list(
    queueName: string,
    status: JobStatus,
    page: number,
    pageSize: number,
  ): Promise<JobPage> {
    const queue = this.queues.queue(queueName);
    const start = (page - 1) * pageSize;
    const end = start + pageSize - 1;
    const read = async (): Promise<{ total: number; jobs: Job[] }> => {
      if (status !== 'waiting') {
        const asc = status === 'delayed' || status === 'active';
        const [total, jobs] = await Promise.all([
          queue.getJobCountByTypes(status),
          queue.getJobs([status], start, end, asc),
        ]);
        return { total, jobs };
      }
      // Prioritized jobs run before the plain wait list, so they come first across both.
      const { prioritized, wait } = await queue.getJobCounts(
        'prioritized',
        'wait',
      );
      const [first, rest] = await Promise.all([
        start < prioritized
          ? queue.getJobs(
              ['prioritized'],
              start,
              Math.min(end, prioritized - 1),
              true,
            )
          : [],
        end >= prioritized
          ? queue.getJobs(
              ['wait'],
              Math.max(0, start - prioritized),
              end - prioritized,
              true,
            )
          : [],
      ]);
      return { total: prioritized + wait, jobs: [...first, ...rest] };
    };
    const { total, jobs } = await this.queues.call(read, READ_FAILED);
    return {
      queue: queueName,
      status,
      page,
      pageSize,
      total,
      jobs: jobs.map((job) => summary(job, queueName, status)),
    };
  }

  /** Puts a failed job back in its queue. `'not-found'`, `'not-failed'` or `'retried'`. */
  async retry(id: string): Promise<'retried' | 'not-failed' | 'not-found'> {
    const info = await this.jobs.get(id);
    if (!info) return 'not-found';
    if (info.status !== 'failed') return 'not-failed';
    const job = await this.queues.withDeadline(
      this.queues.queue(info.queue).getJob(id),
      CHANGE_FAILED,
    );
    if (!job) return 'not-found';
    try {
      await this.queues.withDeadline(job.retry('failed'), CHANGE_FAILED);
      return 'retried';
    } catch (error) {
      // Retried or removed by someone else between the read and now.
      if (
        /not in the failed state|does not exist|Missing key/i.test(
          (error as Error).message,
        )
      )
        return 'not-failed';
      throw error;
    }
  }

  /** Stops every worker process from taking new jobs of `queue`; running jobs finish. */
  async pause(queue: string): Promise<void> {
    const q = this.queues.queue(queue);
    await this.queues.call(() => q.pause(), CHANGE_FAILED);
  }

  async resume(queue: string): Promise<void> {
    const q = this.queues.queue(queue);
    await this.queues.call(() => q.resume(), CHANGE_FAILED);
  }
}

function summary(job: Job, queue: string, status: JobStatus): JobSummary {
  return {
    id: job.id!,
    name: job.name,
    queue,
    status,
    attemptsMade: job.attemptsMade,
    progress: job.progress as number | object,
    error: job.failedReason || null,
    createdAt: new Date(job.timestamp),
    startedAt: job.processedOn ? new Date(job.processedOn) : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}
