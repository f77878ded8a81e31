import type { Job, JobsOptions, Queue } from 'bullmq';
import { isConnectionError } from '../../libs/jobs/src/redis/redis-client.factory';

/** A job checked and ready for BullMQ, with the id it will have unless deduplicated. */
export interface PreparedJob {
  queue: string;
  name: string;
  data: unknown;
  opts: JobsOptions & { jobId: string };
}

interface Waiting {
  job: PreparedJob;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

/**
 * An experiment kept in the bench, not in the library: issue 15 asked whether coalescing concurrent
 * enqueues into `addBulk` beats one `queue.add` each, and the enqueue scenario's "coalesced"
 * contender measures it (see bench/README.md for the answer).
 *
 * Sends concurrent enqueues to Redis together. An HTTP server enqueues from many requests at once:
 * one `queue.add` each is one socket write each, in this process and in Redis, and those writes
 * cost more than the job itself. Here, a job that finds no other enqueue waiting on Redis is sent at
 * once (one at a time keeps its latency); one that arrives while others are on their way waits for
 * the end of this turn of the event loop, and all such jobs go as one pipeline per queue (BullMQ
 * `addBulk`, not a transaction).
 *
 * Each caller still gets its own answer: a job that BullMQ refuses in a batch is sent again alone,
 * under its fixed id, so the jobs that were added answer with their id (BullMQ treats a known id as
 * a duplicate and adds nothing) and only the refused one gets the error.
 */
export class EnqueueCoalescer {
  private pending: Waiting[] = [];
  private flushScheduled = false;
  /** Calls sent to Redis and not answered yet. */
  private inFlight = 0;

  constructor(private readonly queueOf: (name: string) => Queue) {}

  /** Adds `job`; resolves with its id (the existing job's id when it was deduplicated). */
  add(job: PreparedJob): Promise<string> {
    if (this.inFlight === 0 && this.pending.length === 0)
      return this.addOne(job);
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ job, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private addOne(job: PreparedJob): Promise<string> {
    this.inFlight++;
    return this.queueOf(job.queue)
      .add(job.name, job.data, job.opts)
      .then(idOf(job))
      .finally(() => this.inFlight--);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    const byQueue = new Map<string, Waiting[]>();
    for (const waiting of batch) {
      const list = byQueue.get(waiting.job.queue);
      if (list) list.push(waiting);
      else byQueue.set(waiting.job.queue, [waiting]);
    }
    for (const [queue, list] of byQueue) {
      if (list.length === 1) {
        const [{ job, resolve, reject }] = list;
        this.addOne(job).then(resolve, reject);
      } else {
        this.addMany(queue, list);
      }
    }
  }

  private addMany(queue: string, list: Waiting[]): void {
    this.inFlight++;
    this.queueOf(queue)
      .addBulk(list.map(({ job }) => job))
      .then(
        (added) => list.forEach((w, i) => w.resolve(idOf(w.job)(added[i]))),
        (error: unknown) => {
          // Redis unreachable: every job of the batch shares that fate.
          if (isConnectionError(error)) list.forEach((w) => w.reject(error));
          // One job refused: each is sent alone to learn which (ids make that safe).
          else
            for (const w of list)
              void this.addOne(w.job).then(w.resolve, w.reject);
        },
      )
      .finally(() => this.inFlight--);
  }
}

/** The id BullMQ answered with, which differs from ours when the job was deduplicated. */
const idOf =
  (job: PreparedJob) =>
  (added: Job | undefined): string =>
    added?.id ?? job.opts.jobId;
