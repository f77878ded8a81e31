import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { Telemetry } from 'bullmq';
import type { ClusterOptions, RedisOptions } from 'ioredis';

/**
 * How many finished jobs Redis keeps. `count` keeps at most that many, `age` (seconds) drops older
 * ones; both may be given and whichever is reached first applies. `true` keeps none, `false` keeps all.
 */
export type JobRetention = boolean | { count?: number; age?: number };

/** Retention of completed and failed jobs, like NetBox's `JOB_RETENTION`. */
export interface RetentionOptions {
  completed?: JobRetention;
  failed?: JobRetention;
}

/**
 * Worker processes of one queue, when it runs in a pool: a fixed number, or bounds between which
 * the pool's supervisor scales with the queue's backlog.
 */
export type QueueProcesses = number | ProcessScalingOptions;

/** `processes: { min, max }`: the supervisor adds and retires processes of the queue with its backlog. */
export interface ProcessScalingOptions {
  min: number;
  max: number;
  /** Add a process while the next job to run has waited longer than this (ms). Default 2 000. */
  scaleUpAfterMs?: number;
  /** Retire a process (gracefully, after its running jobs) once no job has waited for this long (ms). Default 30 000. */
  scaleDownAfterMs?: number;
}

/** Per-queue settings. Only `concurrency` is required. */
export interface QueueConfig {
  /**
   * Jobs of this queue one process runs at once: a positive integer, or `{ min, max }` to let the
   * process scale between them with the queue's backlog (autoscaling).
   */
  concurrency: number | { min: number; max: number };
  /**
   * Run this queue in worker processes of its own, each with `concurrency` slots: a number, or
   * `{ min, max }` to scale with the backlog. The worker entry (`bootstrapWorker` run without queue
   * names) then supervises them: it forks one process per slot of the plan, serving this queue alone,
   * replaces any that die, and drains them on SIGTERM. Use it for CPU-bound handlers, which would
   * otherwise hold up every other queue of the process. A process that is not a worker entry (your
   * HTTP app) does not serve such a queue.
   */
  processes?: QueueProcesses;
  /** At most `max` jobs per `duration` milliseconds on this queue, across all processes. */
  limiter?: { max: number; duration: number };
  /** At most this many jobs of this queue in flight across all processes together. */
  globalConcurrency?: number;
  /** Overrides the module-wide `retention` for this queue. */
  retention?: RetentionOptions;
  /** How long (ms) a worker holds a job's lock before it must renew it. BullMQ default: 30 000. */
  lockDuration?: number;
  /** How often (ms) workers look for jobs whose lock expired (a crashed worker). BullMQ default: 30 000. */
  stalledInterval?: number;
  /** How many times a job may stall before it fails instead of being requeued. BullMQ default: 1. */
  maxStalledCount?: number;
}

/** A Redis Cluster (or a compatible server such as Valkey in cluster mode). */
export interface JobsClusterConnection {
  cluster: {
    /** Seed nodes: `'host:port'` strings or `{ host, port }`. */
    nodes: Array<string | { host: string; port: number }>;
    /** ioredis cluster options; per-node settings such as `password` go in `redisOptions`. */
    options?: ClusterOptions;
  };
}

/**
 * Redis connection: a `redis://` or `rediss://` URL, ioredis options, or `{ cluster }`. On a
 * cluster each queue's keys carry a hash tag of their own (`{prefix:queue}`), so one queue lives on
 * one shard and different queues spread over the shards.
 */
export type JobsConnection = string | RedisOptions | JobsClusterConnection;

/** Options of {@link JobsModule.forRoot}. Every field is optional. */
export interface JobsModuleOptions {
  /**
   * Queue name → concurrency, or a {@link QueueConfig}. Queue `default` always exists
   * (concurrency 1 when not listed).
   * @example { default: 2, high_priority: 8 }
   */
  queues?: Record<string, number | QueueConfig>;
  /**
   * Redis to use. When absent: `REDIS_CLUSTER_NODES` from the environment (`host:port,host:port`),
   * else `REDIS_URL`, else `redis://127.0.0.1:6379`.
   */
  connection?: JobsConnection;
  /** Redis key prefix of every queue. Default `jobs`. */
  prefix?: string;
  /** Job name → queue name, so an operator can move a job type to another queue without code changes. */
  routes?: Record<string, string>;
  /**
   * Which queues this process serves: `true` (every queue, the default), `false` (enqueue only),
   * or a list of queue names. When absent, `JOBS_WORKERS` from the environment (`all`, `none`,
   * or a comma-separated list) decides.
   */
  workers?: boolean | string[];
  /** Default: completed jobs kept 1 day or 1 000 per queue, failed jobs 7 days or 10 000 per queue. */
  retention?: RetentionOptions;
  /** Largest payload accepted, in bytes of JSON. Default 512 KiB. */
  maxPayloadBytes?: number;
  /** How long `enqueue` waits for Redis before it rejects with `JobsConnectionError`. Default 5 000 ms. */
  enqueueTimeoutMs?: number;
  /** How long shutdown waits for running jobs before it leaves them to another worker. Default 30 000 ms. */
  shutdownGraceMs?: number;
  /**
   * How often a worker process writes its heartbeat to Redis. A process missing 3 beats counts as
   * gone. Default 5 000 ms.
   */
  heartbeatIntervalMs?: number;
  /**
   * Tracing (and BullMQ's metrics) for every queue and worker the module builds: a BullMQ
   * `Telemetry`, such as `new BullMQOtel({ tracerName: 'my-app' })` from `bullmq-otel`. `enqueue`
   * then records an `add` span under the caller's active span and stores its context in the job;
   * the worker, in any process, runs the handler inside a `process` span that is its child, so
   * `trace.getActiveSpan()` in a handler is the job's span (also `ctx.traceContext`). Unset (the
   * default): no telemetry code runs.
   */
  telemetry?: Telemetry;
}

/**
 * A class that gives `JobsModule.forRootAsync({ useClass })` or `({ useExisting })` its options.
 * @example
 * @Injectable()
 * class JobsConfig implements JobsOptionsFactory {
 *   constructor(private readonly config: ConfigService) {}
 *   createJobsOptions(): JobsModuleOptions {
 *     return { connection: this.config.get('REDIS_URL'), queues: { default: this.config.get('JOBS_CONCURRENCY') } };
 *   }
 * }
 */
export interface JobsOptionsFactory {
  createJobsOptions(): JobsModuleOptions | Promise<JobsModuleOptions>;
}

/**
 * Options of {@link JobsModule.forRootAsync}: `imports`, and one of `useFactory` (with `inject`),
 * `useClass` or `useExisting` (a {@link JobsOptionsFactory}).
 */
export interface JobsModuleAsyncOptions extends ConfigurableModuleAsyncOptions<
  JobsModuleOptions,
  'createJobsOptions'
> {
  /**
   * Queue names to register under `@nestjs/bullmq` tokens, so that `@InjectQueue(name)` and
   * bull-board can find them. Given here because Nest must know every provider before any factory
   * runs, so the factory's `queues` come too late to add tokens. Needed only for that: the
   * factory's queues are served either way.
   */
  queueNames?: string[];
}
