import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { JOBS_CONFIG } from '../jobs.constants';
import { LogLines, Messages } from '../jobs.messages';
import { UnknownQueueError } from '../errors/unknown-queue.error';
import { JobsConnectionError } from '../errors/jobs-connection.error';
import {
  closeRedisClient,
  createRedisClient,
  isConnectionError,
  logConnectionErrors,
  type RedisClient,
} from '../redis/redis-client.factory';
import { queuePrefix, type JobsConfig } from '../config/jobs-config';
import { DeadlineTimer, type Expiring } from '../utils/deadline-timer';
import { isReadableJobId } from '../utils/job-id';
import { QUEUES_CLOSE_MS, ShutdownDeadline } from '../utils/shutdown-deadline';

/**
 * The BullMQ `Queue` of every configured queue, on one shared producer connection. The connection
 * never queues commands while Redis is away, so an enqueue that timed out can never be added later.
 */
@Injectable()
export class JobsQueueRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('JobsModule');
  private readonly queues = new Map<string, Queue>();
  /** Calls waiting on Redis under `withDeadline`. */
  private readonly deadlines = new DeadlineTimer<Expiring>();
  readonly producer: RedisClient;

  constructor(@Inject(JOBS_CONFIG) private readonly config: JobsConfig) {
    this.producer = createRedisClient(config.connection, {
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      connectionName: 'nestjs-jobs:producer',
    });
    logConnectionErrors(this.producer, this.logger, 'Producer');
    for (const name of config.queues.keys()) {
      const queue = new Queue(name, {
        connection: this.producer,
        prefix: queuePrefix(config, name),
        ...(config.telemetry && { telemetry: config.telemetry }),
      });
      // BullMQ re-emits connection errors on each queue; the producer listener already logs them.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
  }

  /** The queue called `name`; throws `UnknownQueueError` when it is not configured. */
  get(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new UnknownQueueError(String(name), this.names());
    return queue;
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  names(): string[] {
    return [...this.queues.keys()];
  }

  /**
   * Resolves once the producer connection is ready, or rejects with `JobsConnectionError` after
   * `enqueueTimeoutMs`. Costs nothing while connected.
   */
  whenReady(outcome?: string): Promise<void> {
    if (this.producer.status === 'ready') return Promise.resolve();
    const ms = this.config.enqueueTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.producer.off('ready', onReady);
        reject(
          new JobsConnectionError(
            Messages.redisUnavailable(
              ms,
              `connection status: ${this.producer.status}`,
              outcome,
            ),
          ),
        );
      }, ms);
      this.producer.once('ready', onReady);
    });
  }

  /**
   * Runs a Redis call with the enqueue deadline, so a hung Redis cannot hang the caller. One timer
   * serves every pending call's deadline, which costs far less per enqueue than a timer each.
   */
  withDeadline<T>(work: Promise<T>, outcome?: string): Promise<T> {
    const ms = this.config.enqueueTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const call: Expiring = {
        deadline: Date.now() + ms,
        expire: () =>
          reject(
            new JobsConnectionError(
              Messages.redisUnavailable(ms, 'no reply', outcome),
            ),
          ),
      };
      this.deadlines.add(call);
      work.then(
        (value) => {
          this.deadlines.delete(call);
          resolve(value);
        },
        (error: unknown) => {
          this.deadlines.delete(call);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on the client's own rejection, as is, when it is not a connection error
          reject(
            !(error instanceof JobsConnectionError) && isConnectionError(error)
              ? new JobsConnectionError(
                  Messages.redisUnavailable(
                    ms,
                    (error as Error).message,
                    outcome,
                  ),
                )
              : error,
          );
        },
      );
    });
  }

  /**
   * `work` once the producer is ready, under the enqueue deadline: `whenReady` then `withDeadline`,
   * with `outcome` (what the caller's failure means, e.g. "nothing was changed") in either error.
   */
  call<T>(work: () => Promise<T>, outcome?: string): Promise<T> {
    if (this.producer.status !== 'ready') {
      return this.whenReady(outcome).then(() =>
        this.withDeadline(work(), outcome),
      );
    }
    // Not an async function: connected, the caller gets withDeadline's own promise, with no
    // promise around it (a few microtask ticks less per enqueue). A throw still rejects.
    try {
      return this.withDeadline(work(), outcome);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- whatever work() threw, passed on unchanged as an async function would
      return Promise.reject(error);
    }
  }

  /**
   * Job `id`, the queue that holds it and its state, or `null`. Call once the producer is ready.
   * Ids are unique across queues: every queue is asked at once (one round trip) which one has it.
   */
  async findJob(
    id: string,
  ): Promise<{ queue: string; job: Job; state: string } | null> {
    // An id that names a queue's own key (`meta`, `wait`, ...) must never be read or removed as a job.
    if (!isReadableJobId(id)) return null;
    const names = this.names();
    // Every job is a hash: any other type at that key is not a job.
    const types = await this.withDeadline(
      Promise.all(
        names.map((name) => this.producer.type(this.get(name).toKey(id))),
      ),
      'the job could not be read',
    );
    const index = types.findIndex((type) => type === 'hash');
    if (index < 0) return null;
    const queue = this.get(names[index]);
    // State first, then the job: a job that finishes in between then shows its final fields,
    // and its state is corrected from them below.
    let state: string = await queue.getJobState(id);
    const job = await Job.fromId(queue, id);
    if (!job) return null;
    if (job.finishedOn && state !== 'completed' && state !== 'failed') {
      state =
        job.failedReason && job.returnvalue == null ? 'failed' : 'completed';
    }
    return { queue: names[index], job, state };
  }

  /**
   * Runs start-up work that needs Redis without holding up start-up while Redis is away: it gets
   * `enqueueTimeoutMs`, and if Redis does not answer in time it runs again once Redis is back.
   */
  async atStartup(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await this.call(work, `${what} was postponed`);
    } catch (error) {
      this.logger.warn(LogLines.postponedUntilRedis((error as Error).message));
      this.producer.once('ready', () => {
        work().catch((e: Error) =>
          this.logger.error(LogLines.startupWorkFailed(what, e.message)),
        );
      });
    }
  }

  /** Closes the queues and the producer within QUEUES_CLOSE_MS, whatever Redis does. */
  async onApplicationShutdown(): Promise<void> {
    this.deadlines.clear();
    const deadline = new ShutdownDeadline(QUEUES_CLOSE_MS);
    const closed = await deadline.wait(
      Promise.allSettled(
        [...this.queues.values()].map((queue) => queue.close()),
      ),
      QUEUES_CLOSE_MS / 2,
    );
    if (!closed)
      this.logger.warn(Messages.shutdownForced('Queues', QUEUES_CLOSE_MS / 2));
    await closeRedisClient(this.producer, deadline.remaining());
  }
}
