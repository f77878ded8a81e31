import type { Job } from 'bullmq';
import { JobCancelledError } from '../errors/job-cancelled.error';
import type { RedisClient } from '../redis/redis-client.factory';
import { parseCancelMarker } from './worker-control';

/** How long a cancel heard over pub/sub for a job not running here is remembered in memory. */
const REMEMBER_MS = 10 * 60_000;
/** At most this many such cancels are remembered; the oldest go first. */
const REMEMBER_MAX = 10_000;

interface Heard {
  reason?: string;
  createdAt?: number;
  at: number;
}

/**
 * Whether a job that is about to start was cancelled already, at the cost of one Redis round trip
 * only for restarts. A first attempt can only have been cancelled in the instant between BullMQ
 * taking it and the handler starting, when the cancel reached this process over pub/sub: that is
 * remembered in memory. A restart (retry, or a job whose worker died) may have been cancelled while
 * no process listened: its marker in Redis, written by `JobService.cancel`, is read.
 */
export class CancelledJobs {
  private readonly heard = new Map<string, Heard>();

  constructor(
    private readonly client: RedisClient,
    private readonly markerKey: (id: string) => string,
  ) {}

  /** Remembers a cancel heard over pub/sub for a job that does not run here now. */
  remember(
    id: string,
    reason: string | undefined,
    createdAt: number | undefined,
  ): void {
    const now = Date.now();
    for (const [key, heard] of this.heard) {
      if (this.heard.size < REMEMBER_MAX && now - heard.at < REMEMBER_MS) break;
      this.heard.delete(key);
    }
    this.heard.delete(id);
    this.heard.set(id, { reason, createdAt, at: now });
  }

  /**
   * `undefined`: run the job. Otherwise the error to fail it with, or a promise of it (or of
   * `undefined`) for a restart. When Redis cannot be read, the job runs: at least once.
   */
  check(
    job: Job,
  ): JobCancelledError | Promise<JobCancelledError | undefined> | undefined {
    if (this.heard.size > 0) {
      const heard = this.heard.get(job.id!);
      if (
        heard &&
        (heard.createdAt === undefined || heard.createdAt === job.timestamp) &&
        Date.now() - heard.at < REMEMBER_MS
      ) {
        return new JobCancelledError(heard.reason);
      }
    }
    if (
      job.attemptsMade === 0 &&
      !job.stalledCounter &&
      job.attemptsStarted <= 1
    )
      return undefined;
    return this.client.get(this.markerKey(job.id!)).then(
      (raw) => {
        const marker = parseCancelMarker(raw);
        return marker && marker.createdAt === job.timestamp
          ? new JobCancelledError(marker.reason)
          : undefined;
      },
      () => undefined,
    );
  }
}
