import { Inject, Injectable, Logger } from '@nestjs/common';
import { JOBS_CONFIG } from '../jobs.constants';
import { Messages } from '../jobs.messages';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import {
  closeRedisClient,
  createRedisClient,
  logConnectionErrors,
  type RedisClient,
} from '../redis/redis-client.factory';
import { UnknownQueueError } from '../errors/unknown-queue.error';
import { JobValidationError } from '../errors/job-validation.error';
import { queuePrefix, type JobsConfig } from '../config/jobs-config';
import {
  CANCEL_MARKER_TTL_S,
  cancelMarkerKey,
  controlChannel,
  encodeCancelMarker,
  parseControlMessage,
  type ControlMessage,
} from './worker-control';

/** What `JobService.cancel` did. */
export type CancelOutcome = 'removed' | 'signalled' | 'finished' | 'not-found';

/** What a worker process does with the messages it hears (`JobsWorkerManager`). */
export interface ControlTarget {
  /** Sets `queue`'s concurrency in this process and turns its autoscaling off. */
  onConcurrency(queue: string, concurrency: number): void;
  /** Stops job `id` if it runs here, else remembers the cancel in case it is about to start. The queues it stopped on. */
  onCancel(
    id: string,
    reason: string | undefined,
    createdAt: number | undefined,
  ): string[];
}

const CHANGE_FAILED = 'nothing was changed';

/**
 * The control protocol, both ends: any process sends cancels and concurrency changes over one
 * Redis pub/sub channel (plus a durable cancel marker, read by `CancelledJobs` when a job restarts),
 * and every worker process listens and applies them. Wire format: `worker-control.ts`.
 */
@Injectable()
export class ControlChannel {
  private readonly logger = new Logger('JobsModule');
  private subscriber?: RedisClient;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
  ) {}

  /** See `JobService.cancel`. */
  async cancel(id: string, reason?: string): Promise<CancelOutcome> {
    if (reason !== undefined && typeof reason !== 'string') {
      throw new JobValidationError(Messages.invalidCancelReason(reason));
    }
    await this.queues.whenReady(CHANGE_FAILED);
    const found =
      typeof id === 'string' && id !== ''
        ? await this.queues.findJob(id)
        : null;
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
    const marker = encodeCancelMarker({
      createdAt: job.timestamp,
      ...(reason !== undefined && { reason }),
    });
    await this.queues.withDeadline(
      this.queues.producer.set(
        this.markerKey(found.queue, id),
        marker,
        'EX',
        CANCEL_MARKER_TTL_S,
      ),
      CHANGE_FAILED,
    );
    await this.publish({
      type: 'cancel',
      id,
      ...(reason !== undefined && { reason }),
      createdAt: job.timestamp,
    });
    return 'signalled';
  }

  /** See `JobService.setConcurrency`. Resolves with the number of processes reached. */
  async setConcurrency(queue: string, concurrency: number): Promise<number> {
    if (!this.queues.has(queue))
      throw new UnknownQueueError(String(queue), this.queues.names());
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new JobValidationError(
        Messages.invalidConcurrency(queue, concurrency),
      );
    }
    return this.queues.call(
      () => this.publish({ type: 'concurrency', queue, concurrency }),
      CHANGE_FAILED,
    );
  }

  /** Key of job `id`'s durable cancel marker on `queue`. */
  markerKey(queue: string, id: string): string {
    return cancelMarkerKey(queuePrefix(this.config, queue), queue, id);
  }

  /**
   * Subscribes this process and applies every message to `target`. Resolves once subscribed: a
   * message sent after that reaches this process. While Redis is away, ioredis subscribes once it connects.
   */
  listen(target: ControlTarget): Promise<unknown> {
    this.subscriber = createRedisClient(this.config.connection, {
      maxRetriesPerRequest: null,
      connectionName: 'nestjs-jobs:control',
    });
    logConnectionErrors(this.subscriber, this.logger, 'Control channel');
    this.subscriber.on('message', (_channel: string, raw: string) => {
      const message = parseControlMessage(raw);
      if (message) this.apply(target, message);
    });
    // Sent at once, as the client's first command: sent later, while ioredis runs its ready check on
    // the new connection, it would put the connection in subscriber mode under that check.
    return this.subscriber.subscribe(controlChannel(this.config.prefix));
  }

  /** Closes the subscription within `ms`. */
  async close(ms: number): Promise<void> {
    if (this.subscriber) await closeRedisClient(this.subscriber, ms);
    this.subscriber = undefined;
  }

  private publish(message: ControlMessage): Promise<number> {
    return this.queues.withDeadline(
      this.queues.producer.publish(
        controlChannel(this.config.prefix),
        JSON.stringify(message),
      ),
      CHANGE_FAILED,
    );
  }

  private apply(target: ControlTarget, message: ControlMessage): void {
    if (message.type === 'concurrency') {
      target.onConcurrency(message.queue, message.concurrency);
      return;
    }
    for (const queue of target.onCancel(
      message.id,
      message.reason,
      message.createdAt,
    )) {
      this.logger.log(
        Messages.jobCancelledHere(message.id, queue, message.reason),
      );
    }
  }
}
