import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Worker, type KeepJobs } from 'bullmq';
import type Redis from 'ioredis';
import { JOBS_CONFIG } from '../jobs.constants';
import { Messages } from '../jobs.messages';
import { JobHandlerRegistry } from '../job-handler.registry';
import { PayloadValidator } from '../payload/payload-validator';
import { closeRedisClient, createRedisClient, logConnectionErrors } from '../redis/redis-client.factory';
import type { JobsConfig, ResolvedQueueConfig } from '../jobs-config';
import { createJobProcessor, InFlightJobs } from './job-processor';
import { WorkerRegistry } from './worker-registry';

interface RunningWorker {
  queue: ResolvedQueueConfig;
  worker: Worker;
  connection: Redis;
  inFlight: InFlightJobs;
}

/**
 * Starts one BullMQ `Worker` per served queue, with that queue's concurrency, once the app has
 * bootstrapped (so no job runs before every provider is ready), and stops them first on shutdown.
 */
@Injectable()
export class JobsWorkerManager implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JobsModule');
  private readonly running: RunningWorker[] = [];
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly handlers: JobHandlerRegistry,
    private readonly payloads: PayloadValidator,
    private readonly registry: WorkerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of this.config.servedQueues) this.start(this.config.queues.get(name)!);
    if (this.running.length > 0) {
      void this.beat();
      this.heartbeat = setInterval(() => void this.beat(), this.config.heartbeatIntervalMs);
    }
  }

  /** Queue name → jobs this process runs at once. */
  concurrency(): Record<string, number> {
    return Object.fromEntries(this.running.map((r) => [r.queue.name, r.worker.concurrency]));
  }

  private async beat(): Promise<void> {
    // While Redis is away the beat fails; the next one after reconnecting restores the entry.
    await this.registry.beat(this.concurrency()).catch(() => undefined);
  }

  /** Workers running in this process, by queue name. */
  workers(): ReadonlyMap<string, Worker> {
    return new Map(this.running.map((r) => [r.queue.name, r.worker]));
  }

  private start(queue: ResolvedQueueConfig): void {
    // Workers block on Redis, so their connection must retry forever rather than fail commands.
    const connection = createRedisClient(this.config.connection, {
      maxRetriesPerRequest: null,
      connectionName: `nestjs-jobs:worker:${queue.name}`,
    });
    const inFlight = new InFlightJobs();
    const worker = new Worker(queue.name, createJobProcessor(queue.name, this.handlers, this.payloads, inFlight), {
      connection,
      prefix: this.config.prefix,
      concurrency: queue.concurrency,
      removeOnComplete: toKeep(queue.removeOnComplete),
      removeOnFail: toKeep(queue.removeOnFail),
      ...(queue.lockDuration !== undefined && { lockDuration: queue.lockDuration }),
      ...(queue.stalledInterval !== undefined && { stalledInterval: queue.stalledInterval }),
      ...(queue.maxStalledCount !== undefined && { maxStalledCount: queue.maxStalledCount }),
    });
    logConnectionErrors(worker, this.logger, `Worker "${queue.name}"`);
    worker.on('failed', (job, error) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      const final = job.attemptsMade >= attempts || error?.name === 'UnrecoverableError';
      this.logger.warn(
        `Job ${job.name}#${job.id} on queue "${queue.name}" failed (attempt ${job.attemptsMade}/${attempts}${final ? ', final' : ', will retry'}): ${error?.message}`,
      );
    });
    this.running.push({ queue, worker, connection, inFlight });
    this.logger.log(`Worker started: queue "${queue.name}", concurrency ${queue.concurrency}`);
  }

  /**
   * Stops taking jobs, waits up to `shutdownGraceMs` for running ones, then closes. Jobs still
   * running at the deadline are logged and left locked; their lock expires and another worker's
   * stalled check puts them back in the queue, so they are neither lost nor marked failed.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.running.map((r) => this.stop(r)));
    if (this.running.length > 0) await this.registry.remove().catch(() => undefined);
    this.running.length = 0;
  }

  private async stop({ queue, worker, connection, inFlight }: RunningWorker): Promise<void> {
    await worker.pause(true).catch(() => undefined);
    const finished = await inFlight.settle(this.config.shutdownGraceMs);
    if (!finished) this.logger.warn(Messages.shutdownLeftJobs(queue.name, inFlight.ids(), this.config.shutdownGraceMs));
    await worker.close(!finished).catch(() => undefined);
    await closeRedisClient(connection);
    this.logger.log(`Worker stopped: queue "${queue.name}"`);
  }
}

/** BullMQ treats `true` as "remove immediately" and `false` as "keep forever", like our option. */
function toKeep(value: ResolvedQueueConfig['removeOnComplete']): KeepJobs | undefined {
  return typeof value === 'boolean' ? (value ? { count: 0 } : undefined) : (value as KeepJobs);
}
