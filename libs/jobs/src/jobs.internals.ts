import { Inject, Injectable } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import { JOBS_CONFIG } from './jobs.constants';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import { JobsWorkerManager } from './workers/jobs-worker.manager';
import type { JobsConfig } from './config/jobs-config';

/**
 * What the library's own companion modules (admin, metrics, health) need from `JobsModule`, and no
 * more. `JobsModule` exports this instead of its registries and config; no package entry exports
 * the class, so apps cannot name it to inject it.
 */
@Injectable()
export class JobsInternals {
  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
    private readonly manager: JobsWorkerManager,
  ) {}

  /** The queues whose workers run in this process. */
  servedQueues(): readonly string[] {
    return this.config.servedQueues;
  }

  /** The BullMQ queue `name`; `UnknownQueueError` when it is not configured. */
  queue(name: string): Queue {
    return this.queues.get(name);
  }

  /** See `JobsQueueRegistry.call`: Redis work with the enqueue deadline. */
  call<T>(work: () => Promise<T>, outcome?: string): Promise<T> {
    return this.queues.call(work, outcome);
  }

  /** See `JobsQueueRegistry.withDeadline`: for work started while the connection is known ready. */
  withDeadline<T>(work: Promise<T>, outcome?: string): Promise<T> {
    return this.queues.withDeadline(work, outcome);
  }

  /** PING on the producer connection. */
  ping(): Promise<string> {
    return this.queues.producer.ping();
  }

  /** See `JobsWorkerManager.observeWorkers`. */
  observeWorkers(observer: (queue: string, worker: Worker) => void): void {
    this.manager.observeWorkers(observer);
  }
}
