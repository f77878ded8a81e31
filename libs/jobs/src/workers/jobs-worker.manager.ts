import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Worker, type KeepJobs } from 'bullmq';
import { JOBS_CONFIG } from '../jobs.constants';
import { LogLines, Messages } from '../jobs.messages';
import { JobHandlerRegistry } from '../job-handler.registry';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import { PayloadValidator } from '../payload/payload-validator';
import {
  closeRedisClient,
  createRedisClient,
  logConnectionErrors,
  type RedisClient,
} from '../redis/redis-client.factory';
import {
  queuePrefix,
  type JobsConfig,
  type ResolvedQueueConfig,
} from '../config/jobs-config';
import {
  cancelRunningJob,
  createJobProcessor,
  InFlightJobs,
  type ProcessorHost,
} from './job-processor';
import { WorkerRegistry } from './worker-registry';
import { ControlChannel, type ControlTarget } from './control-channel';
import { failedForGood } from './final-failure';
import { CancelledJobs } from './cancelled-jobs';
import { AutoscaleSampler, Autoscaler } from './autoscaler';
import { readWaiting } from '../monitoring/queue-stats';
import { FinishedJobsCounter } from './finished-jobs-counter';
import { ShutdownDeadline, WORKERS_CLOSE_MS } from '../utils/shutdown-deadline';

interface RunningWorker {
  queue: ResolvedQueueConfig;
  worker: Worker;
  host: ProcessorHost;
  finished: FinishedJobsCounter;
  autoscaler?: Autoscaler;
}

/**
 * Starts one BullMQ `Worker` per served queue, with that queue's concurrency, once the app has
 * bootstrapped (so no job runs before every provider is ready), and stops them on shutdown.
 * Applies run-time commands (concurrency changes, cancels) heard on the `ControlChannel`.
 *
 * Connections: the Workers share one non-blocking connection (BullMQ leaves a connection it was
 * given open, and duplicates it for each Worker's own blocking one), so a process serving n queues
 * holds n + 1 worker connections besides the producer and the control subscriber.
 */
@Injectable()
export class JobsWorkerManager
  implements OnApplicationBootstrap, OnModuleDestroy, ControlTarget
{
  private readonly logger = new Logger('JobsModule');
  private readonly running: RunningWorker[] = [];
  private readonly observers: Array<(queue: string, worker: Worker) => void> =
    [];
  /** Every Worker's non-blocking connection, created with the first one. */
  private connection?: RedisClient;
  /** The shared connection's `ready`, for each worker's log (one listener on the connection). */
  private readonly connectionReady = new EventEmitter().setMaxListeners(0);
  private readonly autoscaling = new AutoscaleSampler((queues) =>
    readWaiting(queues, this.queues.producer),
  );

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly handlers: JobHandlerRegistry,
    private readonly payloads: PayloadValidator,
    private readonly registry: WorkerRegistry,
    private readonly queues: JobsQueueRegistry,
    private readonly control: ControlChannel,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.pooledElsewhere.length > 0)
      this.logger.log(
        Messages.queueLeftToPool([...this.config.pooledElsewhere]),
      );
    for (const name of this.config.servedQueues)
      this.start(this.config.queues.get(name)!);
    if (this.running.length === 0) return;
    this.autoscaling.start();
    const subscribed = this.control.listen(this);
    this.registry.start({
      concurrency: () => this.concurrency(),
      lastMinute: (now) =>
        Object.fromEntries(
          this.running.map((r) => [r.queue.name, r.finished.lastMinute(now)]),
        ),
    });
    // Subscribed before start-up ends, so a setConcurrency or cancel sent right after reaches this
    // process. While Redis is away, ioredis sends the SUBSCRIBE once it connects.
    await Promise.all([
      this.queues
        .withDeadline(
          subscribed,
          'subscribing to the control channel was postponed',
        )
        .catch((error: Error) =>
          this.logger.warn(LogLines.postponedUntilRedis(error.message)),
        ),
      this.queues.atStartup('setting globalConcurrency', () =>
        Promise.all(
          this.running.map((r) => this.applyGlobalConcurrency(r.queue)),
        ),
      ),
    ]);
  }

  /** Queue name → jobs this process runs at once. */
  concurrency(): Record<string, number> {
    return Object.fromEntries(
      this.running.map((r) => [r.queue.name, r.worker.concurrency]),
    );
  }

  /**
   * Calls `observer` with each worker this process runs, now and when started later, so metrics and
   * health checks can listen to its events in-process (no Redis round trip per job).
   */
  observeWorkers(observer: (queue: string, worker: Worker) => void): void {
    this.observers.push(observer);
    for (const r of this.running) observer(r.queue.name, r.worker);
  }

  /** Changes how many jobs of `queue` this process runs at once. Returns false when it serves no such queue. */
  setConcurrency(queue: string, concurrency: number): boolean {
    const running = this.running.find((r) => r.queue.name === queue);
    if (!running) return false;
    if (running.worker.concurrency !== concurrency) {
      running.worker.concurrency = concurrency;
      this.logger.log(LogLines.concurrencySet(queue, concurrency));
      this.registry.beatNow();
    }
    return true;
  }

  private sharedConnection(): RedisClient {
    if (!this.connection) {
      // BullMQ requires this of a Worker's connection: retry forever rather than fail commands.
      this.connection = createRedisClient(this.config.connection, {
        maxRetriesPerRequest: null,
        connectionName: 'nestjs-jobs:workers',
      });
      this.connection.on('ready', () => this.connectionReady.emit('ready'));
    }
    return this.connection;
  }

  private start(queue: ResolvedQueueConfig): void {
    const connection = this.sharedConnection();
    const host: ProcessorHost = {
      queue: queue.name,
      handlers: this.handlers,
      payloads: this.payloads,
      inFlight: new InFlightJobs(),
      maxResultBytes: this.config.maxPayloadBytes,
      telemetry: this.config.telemetry,
      cancelled: new CancelledJobs(connection, (id) =>
        this.control.markerKey(queue.name, id),
      ),
    };
    const worker = new Worker(queue.name, createJobProcessor(host), {
      connection,
      prefix: queuePrefix(this.config, queue.name),
      concurrency: queue.concurrency,
      removeOnComplete: toKeep(queue.removeOnComplete),
      removeOnFail: toKeep(queue.removeOnFail),
      ...(queue.limiter && { limiter: queue.limiter }),
      ...(queue.lockDuration !== undefined && {
        lockDuration: queue.lockDuration,
      }),
      ...(queue.stalledInterval !== undefined && {
        stalledInterval: queue.stalledInterval,
      }),
      ...(queue.maxStalledCount !== undefined && {
        maxStalledCount: queue.maxStalledCount,
      }),
      ...(this.config.telemetry && { telemetry: this.config.telemetry }),
    });
    // A worker reports errors of the shared connection and of its own blocking one.
    logConnectionErrors(
      worker,
      this.logger,
      `Worker "${queue.name}"`,
      this.connectionReady,
    );
    // Counted in memory and sent with the heartbeat, for stats().lastMinute: no Redis work per job.
    const finished = new FinishedJobsCounter();
    worker.on('completed', () => finished.completed());
    worker.on('failed', (job, error) => {
      if (!job) return;
      // BullMQ stores attempts 0 for a plain queue.add without it, meaning one attempt.
      const attempts = Math.max(job.opts.attempts ?? 1, 1);
      const final = failedForGood(job);
      if (final) finished.failed();
      this.logger.warn(
        `Job ${job.name}#${job.id} on queue "${queue.name}" failed (attempt ${job.attemptsMade}/${attempts}${final ? ', final' : ', will retry'}): ${error?.message}`,
      );
    });
    const running: RunningWorker = { queue, worker, host, finished };
    if (queue.autoscale) {
      running.autoscaler = new Autoscaler(
        queue.autoscale,
        this.queues.get(queue.name),
        (n) => this.setConcurrency(queue.name, n),
      );
      this.autoscaling.add(running.autoscaler);
    }
    this.running.push(running);
    for (const observe of this.observers) observe(queue.name, worker);
    const mode = queue.autoscale
      ? ` (autoscaling ${queue.autoscale.min}-${queue.autoscale.max})`
      : '';
    this.logger.log(
      LogLines.workerStarted(queue.name, queue.concurrency, mode),
    );
  }

  private async applyGlobalConcurrency(
    queue: ResolvedQueueConfig,
  ): Promise<void> {
    const q = this.queues.get(queue.name);
    await (queue.globalConcurrency
      ? q.setGlobalConcurrency(queue.globalConcurrency)
      : q.removeGlobalConcurrency());
  }

  /** A `setConcurrency` from any process: it overrides autoscaling for that queue here. */
  onConcurrency(queue: string, concurrency: number): void {
    this.running.find((r) => r.queue.name === queue)?.autoscaler?.stop();
    this.setConcurrency(queue, concurrency);
  }

  /** A cancel from any process: stops the job where it runs here, else each worker remembers it. */
  onCancel(
    id: string,
    reason: string | undefined,
    createdAt: number | undefined,
  ): string[] {
    return this.running
      .filter((r) => cancelRunningJob(r.host, id, reason, createdAt))
      .map((r) => r.queue.name);
  }

  /**
   * Stops taking jobs, waits up to `shutdownGraceMs` for running ones, then closes. Jobs still
   * running at the deadline are logged and left locked; their lock expires and another worker's
   * stalled check puts them back in the queue, so they are neither lost nor marked failed.
   */
  async onModuleDestroy(): Promise<void> {
    this.registry.stop();
    this.autoscaling.stop();
    // Whatever Redis does, all of this ends within shutdownGraceMs + WORKERS_CLOSE_MS: every step
    // that waits on Redis is bounded, and connections still open at the deadline are cut.
    const deadline = new ShutdownDeadline(
      this.config.shutdownGraceMs + WORKERS_CLOSE_MS,
    );
    const closed = await Promise.all(
      this.running.map((r) => this.stop(r, deadline)),
    );
    // Every Worker left the shared connection open: it closes once they all have.
    if (this.connection) {
      if (closed.every(Boolean))
        await closeRedisClient(this.connection, deadline.remaining());
      else this.connection.disconnect();
      this.connection = undefined;
    }
    if (this.running.length > 0)
      await deadline.wait(this.registry.remove(), 500);
    await this.control.close(deadline.remaining());
    this.running.length = 0;
  }

  /** Stops one worker; false when it did not close in time. */
  private async stop(
    { queue, worker, host }: RunningWorker,
    deadline: ShutdownDeadline,
  ): Promise<boolean> {
    const connection = this.connection!;
    await deadline.wait(worker.pause(true), 1_000);
    const finished = await host.inFlight.settle(
      Math.min(this.config.shutdownGraceMs, deadline.remaining()),
    );
    if (!finished) {
      this.logger.warn(
        Messages.shutdownLeftJobs(
          queue.name,
          host.inFlight.ids(),
          this.config.shutdownGraceMs,
        ),
      );
      // Handlers that honour ctx.signal stop now; their jobs go back to the queue either way.
      host.inFlight.abandonAll('shutdown');
    }
    // A polite close waits for BullMQ to record finished jobs, which never happens while Redis is
    // away: then close at once (those jobs run again elsewhere once their lock expires).
    const force = !finished || connection.status !== 'ready';
    const closed = await deadline.wait(worker.close(force));
    if (!closed) {
      // Redis went away during the close. Cutting the shared connection ends what BullMQ still
      // waits on, for the other workers too: they share this deadline, so theirs has passed as well.
      this.logger.warn(
        Messages.shutdownForced(
          `Worker "${queue.name}"`,
          this.config.shutdownGraceMs + WORKERS_CLOSE_MS,
        ),
      );
      connection.disconnect();
    }
    this.logger.log(LogLines.workerStopped(queue.name));
    return closed;
  }
}

/** BullMQ treats `true` as "remove immediately" and `false` as "keep forever", like our option. */
function toKeep(
  value: ResolvedQueueConfig['removeOnComplete'],
): KeepJobs | undefined {
  return typeof value === 'boolean'
    ? value
      ? { count: 0 }
      : undefined
    : (value as KeepJobs);
}
