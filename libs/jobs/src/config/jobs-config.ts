import type { Telemetry } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type {
  JobsClusterConnection,
  JobsConnection,
} from '../interfaces/jobs-module-options.interface';
import {
  DEFAULT_ENQUEUE_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_REDIS_URL,
  DEFAULT_RETENTION,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_SCALE_UP_AFTER_MS,
  DEFAULT_SCALE_DOWN_AFTER_MS,
} from '../jobs.constants';
import { Expected, Messages } from '../jobs.messages';
import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import {
  integerBetween,
  isNonNegativeInteger,
  isPlainObject,
  isQueueName,
  isWord,
  numeric,
  valueAt,
} from './validators';
import type {
  JobRetention,
  JobsModuleOptions,
  QueueConfig,
  QueueProcesses,
  RetentionOptions,
} from '../interfaces/jobs-module-options.interface';

/** Finished jobs to keep: `true` none, `false` all, or bounds. */
export type Keep = boolean | { count?: number; age?: number };

/** A queue's worker processes after validation; a fixed number has `min === max`. */
export interface ResolvedProcesses {
  min: number;
  max: number;
  scaleUpAfterMs: number;
  scaleDownAfterMs: number;
}

/** One queue's settings after defaults and validation. */
export interface ResolvedQueueConfig {
  name: string;
  /** Concurrency at start: the configured number, or `autoscale.min`. */
  concurrency: number;
  autoscale?: { min: number; max: number };
  limiter?: { max: number; duration: number };
  globalConcurrency?: number;
  removeOnComplete: Keep;
  removeOnFail: Keep;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** Set when the queue runs in worker processes of its own (a pool). */
  processes?: ResolvedProcesses;
}

/**
 * What the worker entry (`bootstrapWorker`) asks of this process, passed through DI rather than
 * the environment. Absent in an app that is not a worker entry.
 */
export interface WorkerProcessRole {
  /** Queues named on the command line: this process is one worker for them. Empty: every queue, or the pool's supervisor. */
  queues: string[];
  /** `--concurrency` overrides. */
  concurrency: Record<string, number>;
  /** `--processes` overrides, for the pool's supervisor. */
  processes: Record<string, QueueProcesses>;
  /** Set in a process that a pool's supervisor started: the supervisor's id. */
  pool?: string;
}

/** What a pool's supervisor runs: processes per pooled queue, and one process for the other queues. */
export interface PoolPlan {
  /** Queues with `processes`, each served by processes of its own. */
  pooled: ResolvedQueueConfig[];
  /** The other served queues, served together by one process (empty: no such process). */
  shared: string[];
  /** `--concurrency` overrides to hand on to the processes. */
  concurrency: Record<string, number>;
}

/** A connection after validation; cluster nodes normalised to `{ host, port }`. */
export type ResolvedConnection =
  | string
  | RedisOptions
  | {
      cluster: {
        nodes: { host: string; port: number }[];
        options: NonNullable<JobsClusterConnection['cluster']['options']>;
      };
    };

export const isClusterConnection = (
  c: ResolvedConnection,
): c is Extract<ResolvedConnection, { cluster: unknown }> =>
  typeof c === 'object' && c !== null && 'cluster' in c;

/**
 * The BullMQ prefix of one queue. On a cluster it is a hash tag per queue, so all of a queue's
 * keys share one slot (BullMQ's Lua scripts need that) while different queues spread over shards.
 */
export function queuePrefix(
  config: Pick<JobsConfig, 'connection' | 'prefix'>,
  queue: string,
): string {
  return isClusterConnection(config.connection)
    ? `{${config.prefix}:${queue}}`
    : config.prefix;
}

/** The module's configuration after defaults and validation: what every provider reads. */
export interface JobsConfig {
  queues: ReadonlyMap<string, ResolvedQueueConfig>;
  connection: ResolvedConnection;
  prefix: string;
  routes: ReadonlyMap<string, string>;
  /** Queues this process runs workers for. */
  servedQueues: readonly string[];
  maxPayloadBytes: number;
  enqueueTimeoutMs: number;
  shutdownGraceMs: number;
  heartbeatIntervalMs: number;
  /** Set when this process is a pool's supervisor: it serves no queue itself and runs this plan. */
  pool?: PoolPlan;
  /** Set when a pool's supervisor started this process: the supervisor's id. */
  poolId?: string;
  /** Queues with `processes` that this process (not a worker entry) leaves to their pool. */
  pooledElsewhere: readonly string[];
  /** Passed to every BullMQ `Queue` and `Worker`; absent, BullMQ runs no telemetry code. */
  telemetry?: Telemetry;
}

const OPTION_KEYS = [
  'queues',
  'connection',
  'prefix',
  'routes',
  'workers',
  'retention',
  'maxPayloadBytes',
  'enqueueTimeoutMs',
  'shutdownGraceMs',
  'heartbeatIntervalMs',
  'telemetry',
];
const QUEUE_KEYS = [
  'concurrency',
  'processes',
  'retention',
  'lockDuration',
  'stalledInterval',
  'maxStalledCount',
  'limiter',
  'globalConcurrency',
];

/**
 * Validates options once, at start-up, and fills in defaults. Throws `JobsConfigurationError`
 * naming the wrong option. `env` is a parameter so tests need not touch `process.env`.
 */
export function resolveJobsConfig(
  options: JobsModuleOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  role?: WorkerProcessRole,
): JobsConfig {
  if (!isPlainObject(options))
    fail('(the whole options object)', options, Expected.object);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      fail(key, valueAt(options, key), Expected.oneOfTheOptions(OPTION_KEYS));
  }

  const globalRetention = resolveRetention('retention', options.retention);
  const queues = new Map<string, ResolvedQueueConfig>();
  const rawQueues = options.queues ?? {};
  if (!isPlainObject(rawQueues))
    fail('queues', rawQueues, Expected.queuesObject);
  for (const [name, value] of Object.entries(rawQueues)) {
    queues.set(name, resolveQueue(name, value, globalRetention));
  }
  if (!queues.has(DEFAULT_QUEUE)) {
    queues.set(DEFAULT_QUEUE, resolveQueue(DEFAULT_QUEUE, 1, globalRetention));
  }
  applyConcurrencyOverrides(
    queues,
    env.JOBS_CONCURRENCY,
    'JOBS_CONCURRENCY (environment)',
  );
  if (role)
    applyConcurrencyOverrides(
      queues,
      role.concurrency,
      'worker argument --concurrency',
    );
  applyProcessesOverrides(
    queues,
    env.JOBS_PROCESSES,
    'JOBS_PROCESSES (environment)',
  );
  if (role)
    applyProcessesOverrides(
      queues,
      role.processes,
      'worker argument --processes',
    );

  const routes = new Map<string, string>();
  const rawRoutes = options.routes ?? {};
  if (!isPlainObject(rawRoutes))
    fail('routes', rawRoutes, Expected.routesObject);
  for (const [jobName, queue] of Object.entries(rawRoutes)) {
    if (typeof queue !== 'string')
      fail(`routes.${jobName}`, queue, Expected.queueName);
    if (!queues.has(queue)) {
      throw new JobsConfigurationError(
        Messages.unconfiguredQueueOption(
          `JobsModule option routes.${jobName}`,
          queue,
          queues.keys(),
        ),
      );
    }
    routes.set(jobName, queue);
  }

  return {
    queues,
    routes,
    connection: resolveConnection(options.connection, env),
    prefix: resolvePrefix(options.prefix),
    ...resolveProcessRole(options.workers, env, queues, role),
    maxPayloadBytes: positiveInteger(
      'maxPayloadBytes',
      options.maxPayloadBytes,
      DEFAULT_MAX_PAYLOAD_BYTES,
    ),
    enqueueTimeoutMs: positiveInteger(
      'enqueueTimeoutMs',
      options.enqueueTimeoutMs,
      DEFAULT_ENQUEUE_TIMEOUT_MS,
    ),
    shutdownGraceMs: nonNegativeInteger(
      'shutdownGraceMs',
      options.shutdownGraceMs,
      DEFAULT_SHUTDOWN_GRACE_MS,
    ),
    heartbeatIntervalMs: positiveInteger(
      'heartbeatIntervalMs',
      options.heartbeatIntervalMs,
      DEFAULT_HEARTBEAT_INTERVAL_MS,
    ),
    ...(options.telemetry !== undefined && {
      telemetry: resolveTelemetry(options.telemetry),
    }),
  };
}

const TELEMETRY = Expected.telemetry;

/**
 * Only the shape BullMQ calls: the object is the user's (usually bullmq-otel's), and checking it
 * here turns a mistake such as passing an OpenTelemetry `Tracer` itself into a boot error instead
 * of a TypeError at the first enqueue.
 */
function resolveTelemetry(value: unknown): Telemetry {
  if (!isPlainObject(value)) fail('telemetry', value, TELEMETRY);
  const members: Array<[string, string[]]> = [
    ['tracer', ['startSpan']],
    ['contextManager', ['with', 'active', 'getMetadata', 'fromMetadata']],
  ];
  if (value.meter !== undefined)
    members.push([
      'meter',
      ['createCounter', 'createHistogram', 'createGauge'],
    ]);
  for (const [member, methods] of members) {
    if (!isPlainObject(value[member]))
      fail(`telemetry.${member}`, value[member], TELEMETRY);
    for (const method of methods) {
      if (typeof value[member][method] !== 'function')
        fail(`telemetry.${member}.${method}`, value[member][method], TELEMETRY);
    }
  }
  return value as Telemetry;
}

/**
 * `JOBS_CONCURRENCY=high_priority=16,default=4` overrides concurrency in this process only, so an
 * operator can size one worker process without changing code.
 */
function applyConcurrencyOverrides(
  queues: Map<string, ResolvedQueueConfig>,
  overrides: string | Record<string, number> | undefined,
  option: string,
): void {
  const pairs =
    typeof overrides === 'string'
      ? queueValuePairs(option, overrides, Expected.concurrencyPairs)
      : Object.entries(overrides ?? {});
  for (const [queue, value] of pairs) {
    const config = configuredQueue(queues, option, queue);
    config.concurrency = positiveInteger(
      `${option} for queue ${queue}`,
      typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
    );
    // A fixed number from the operator turns autoscaling off in this process.
    config.autoscale = undefined;
  }
}

/** `JOBS_PROCESSES=reports=2,high_priority=1..4` or `--processes`: worker processes per queue, for the pool's supervisor. */
function applyProcessesOverrides(
  queues: Map<string, ResolvedQueueConfig>,
  overrides: string | Record<string, QueueProcesses> | undefined,
  option: string,
): void {
  const pairs =
    typeof overrides === 'string'
      ? queueValuePairs(option, overrides, Expected.processesPairs)
      : Object.entries(overrides ?? {});
  for (const [queue, value] of pairs) {
    const config = configuredQueue(queues, option, queue);
    const parsed =
      typeof value === 'string' ? (parseProcessesSpec(value) ?? value) : value;
    config.processes = resolveProcesses(
      `${option} for queue ${queue}`,
      parsed,
      config.processes,
    );
  }
}

/**
 * Reads `n` or `min..max`, as written in `JOBS_PROCESSES` and `--processes`. Anything else is
 * returned as undefined, for the caller to reject with the option's name.
 */
export function parseProcessesSpec(text: string): QueueProcesses | undefined {
  const match = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(text);
  if (!match) return undefined;
  return match[2] === undefined
    ? Number(match[1])
    : { min: Number(match[1]), max: Number(match[2]) };
}

function queueValuePairs(
  option: string,
  raw: string,
  expected: string,
): Array<[string, string]> {
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((pair) => {
      const [queue, value, extra] = pair.split('=').map((p) => p.trim());
      if (!queue || value === undefined || extra !== undefined)
        fail(option, pair, expected);
      return [queue, value] as [string, string];
    });
}

function configuredQueue(
  queues: ReadonlyMap<string, ResolvedQueueConfig>,
  option: string,
  queue: string,
): ResolvedQueueConfig {
  const config = queues.get(queue);
  if (!config)
    throw new JobsConfigurationError(
      Messages.unconfiguredQueueOption(option, queue, queues.keys()),
    );
  return config;
}

/** A queue's `processes`: `n` or `{ min, max, scaleUpAfterMs?, scaleDownAfterMs? }`, with 1 <= min <= max. */
function resolveProcesses(
  option: string,
  value: unknown,
  previous?: ResolvedProcesses,
): ResolvedProcesses {
  const expected = Expected.processes;
  const thresholds = {
    scaleUpAfterMs: previous?.scaleUpAfterMs ?? DEFAULT_SCALE_UP_AFTER_MS,
    scaleDownAfterMs: previous?.scaleDownAfterMs ?? DEFAULT_SCALE_DOWN_AFTER_MS,
  };
  if (typeof numeric(value) === 'number') {
    const n = positiveInteger(option, value, undefined, expected);
    return { min: n, max: n, ...thresholds };
  }
  if (!isPlainObject(value)) fail(option, value, expected);
  for (const key of Object.keys(value)) {
    if (!['min', 'max', 'scaleUpAfterMs', 'scaleDownAfterMs'].includes(key))
      fail(`${option}.${key}`, value[key], Expected.processesKey);
  }
  const min = positiveInteger(`${option}.min`, value.min, undefined, expected);
  const max = positiveInteger(`${option}.max`, value.max, undefined, expected);
  if (min > max) fail(option, value, expected);
  return {
    min,
    max,
    scaleUpAfterMs: nonNegativeInteger(
      `${option}.scaleUpAfterMs`,
      value.scaleUpAfterMs,
      thresholds.scaleUpAfterMs,
    ),
    scaleDownAfterMs: nonNegativeInteger(
      `${option}.scaleDownAfterMs`,
      value.scaleDownAfterMs,
      thresholds.scaleDownAfterMs,
    ),
  };
}

function resolveQueue(
  name: string,
  value: number | QueueConfig,
  globalRetention: Required<RetentionOptions>,
): ResolvedQueueConfig {
  if (!isQueueName(name))
    throw new JobsConfigurationError(Messages.invalidQueueName('queues', name));
  const option = `queues.${name}`;
  // A bare number, or a numeric string as ConfigService gives from the environment.
  const config: QueueConfig =
    typeof value === 'number' || typeof value === 'string'
      ? { concurrency: value }
      : value;
  if (!isPlainObject(config)) fail(option, value, Expected.queueConfig);
  for (const key of Object.keys(config)) {
    if (!QUEUE_KEYS.includes(key))
      fail(
        `${option}.${key}`,
        valueAt(config, key),
        Expected.oneOf(QUEUE_KEYS),
      );
  }
  const retention = {
    ...globalRetention,
    ...resolveRetention(`${option}.retention`, config.retention, true),
  };
  const concurrencyOption =
    typeof value === 'number' || typeof value === 'string'
      ? option
      : `${option}.concurrency`;
  let autoscale: ResolvedQueueConfig['autoscale'];
  let concurrency: number;
  if (isPlainObject(config.concurrency)) {
    const { min, max, ...rest } = config.concurrency;
    if (Object.keys(rest).length)
      fail(
        `${concurrencyOption}.${Object.keys(rest)[0]}`,
        Object.values(rest)[0],
        Expected.minAndMaxOnly,
      );
    autoscale = {
      min: positiveInteger(`${concurrencyOption}.min`, min),
      max: positiveInteger(`${concurrencyOption}.max`, max),
    };
    if (autoscale.min > autoscale.max)
      fail(concurrencyOption, config.concurrency, Expected.minUpToMax);
    concurrency = autoscale.min;
  } else {
    concurrency = positiveInteger(concurrencyOption, config.concurrency);
  }
  let limiter: ResolvedQueueConfig['limiter'];
  if (config.limiter !== undefined) {
    if (!isPlainObject(config.limiter))
      fail(`${option}.limiter`, config.limiter, Expected.limiter);
    limiter = {
      max: positiveInteger(`${option}.limiter.max`, config.limiter.max),
      duration: positiveInteger(
        `${option}.limiter.duration`,
        config.limiter.duration,
      ),
    };
  }
  return {
    name,
    concurrency,
    autoscale,
    ...(config.processes !== undefined && {
      processes: resolveProcesses(`${option}.processes`, config.processes),
    }),
    limiter,
    globalConcurrency: optionalPositiveInteger(
      `${option}.globalConcurrency`,
      config.globalConcurrency,
    ),
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
    lockDuration: optionalPositiveInteger(
      `${option}.lockDuration`,
      config.lockDuration,
    ),
    stalledInterval: optionalPositiveInteger(
      `${option}.stalledInterval`,
      config.stalledInterval,
    ),
    maxStalledCount: optionalNonNegativeInteger(
      `${option}.maxStalledCount`,
      config.maxStalledCount,
    ),
  };
}

function resolveRetention(
  option: string,
  value: RetentionOptions | undefined,
  partial = false,
): Required<RetentionOptions> {
  const out: Partial<Record<'completed' | 'failed', Keep>> = partial
    ? {}
    : { ...DEFAULT_RETENTION };
  if (value === undefined) return out as Required<RetentionOptions>;
  if (!isPlainObject(value)) fail(option, value, Expected.retention);
  for (const key of Object.keys(value)) {
    if (key !== 'completed' && key !== 'failed')
      fail(`${option}.${key}`, valueAt(value, key), Expected.retentionKey);
  }
  for (const kind of ['completed', 'failed'] as const) {
    if (value[kind] !== undefined)
      out[kind] = resolveKeep(`${option}.${kind}`, value[kind]);
  }
  return out as Required<RetentionOptions>;
}

function resolveKeep(option: string, value: JobRetention): Keep {
  const expected = Expected.keep;
  if (typeof value === 'boolean') return value;
  if (
    !isPlainObject(value) ||
    (value.count === undefined && value.age === undefined)
  )
    fail(option, value, expected);
  const keep: { count?: number; age?: number } = {};
  for (const key of Object.keys(value)) {
    const n = valueAt(value, key);
    if ((key !== 'count' && key !== 'age') || !isNonNegativeInteger(n))
      fail(`${option}.${key}`, n, expected);
    keep[key] = n;
  }
  return keep;
}

function resolveConnection(
  connection: JobsConnection | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedConnection {
  if (connection === undefined) {
    const nodes = env.REDIS_CLUSTER_NODES?.trim();
    if (nodes)
      return {
        cluster: {
          nodes: resolveNodes(
            'REDIS_CLUSTER_NODES (environment)',
            nodes.split(','),
          ),
          options: {},
        },
      };
    const fromEnv = env.REDIS_URL?.trim();
    if (fromEnv) return checkedUrl('REDIS_URL (environment)', fromEnv);
    return DEFAULT_REDIS_URL;
  }
  if (typeof connection === 'string')
    return checkedUrl('connection', connection);
  if (!isPlainObject(connection))
    fail('connection', connection, Expected.connection);
  if ('cluster' in connection) {
    const cluster = connection.cluster;
    if (
      !isPlainObject(cluster) ||
      !Array.isArray(cluster.nodes) ||
      cluster.nodes.length === 0
    ) {
      fail('connection.cluster', cluster, Expected.cluster);
    }
    if (cluster.options !== undefined && !isPlainObject(cluster.options))
      fail(
        'connection.cluster.options',
        cluster.options,
        Expected.clusterOptions,
      );
    return {
      cluster: {
        nodes: resolveNodes('connection.cluster.nodes', cluster.nodes),
        options: cluster.options ?? {},
      },
    };
  }
  return connection;
}

function resolveNodes(
  option: string,
  nodes: Array<string | { host: string; port: number }>,
): { host: string; port: number }[] {
  return nodes.map((node) => {
    if (typeof node === 'string') {
      const match = /^\s*([^\s:]+|\[[^\]]+\]):(\d+)\s*$/.exec(node);
      if (!match) fail(option, node, Expected.hostPort);
      return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
    }
    if (
      !isPlainObject(node) ||
      typeof node.host !== 'string' ||
      !Number.isInteger(node.port)
    ) {
      fail(option, node, Expected.clusterNode);
    }
    return { host: node.host, port: node.port };
  });
}

function checkedUrl(option: string, url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
  ) {
    fail(option, url, Expected.redisUrl);
  }
  return url;
}

function resolvePrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (!isWord(prefix)) {
    fail('prefix', prefix, Expected.prefix);
  }
  return prefix;
}

/**
 * Which queues this process serves itself, and whether it supervises a pool instead:
 * - a worker entry given queue names serves exactly those (a pool's processes are started so);
 * - a worker entry without names serves every queue (or `workers`), unless some have `processes`:
 *   then it is the pool's supervisor and serves none itself;
 * - any other app serves `workers` / `JOBS_WORKERS`, less the queues that run in a pool.
 */
function resolveProcessRole(
  workers: JobsModuleOptions['workers'],
  env: NodeJS.ProcessEnv,
  queues: ReadonlyMap<string, ResolvedQueueConfig>,
  role: WorkerProcessRole | undefined,
): Pick<JobsConfig, 'servedQueues' | 'pool' | 'poolId' | 'pooledElsewhere'> {
  if (role && role.queues.length > 0) {
    if (workers !== undefined) {
      const byOption = resolveServedQueues(workers, {}, queues);
      throw new JobsConfigurationError(
        Messages.workersOptionOverridesProcess(role.queues, byOption),
      );
    }
    if (Object.keys(role.processes).length > 0) {
      throw new JobsConfigurationError(
        Messages.processesWithQueueNames(Object.keys(role.processes)),
      );
    }
    for (const queue of role.queues)
      configuredQueue(queues, "The worker's command line", queue);
    return {
      servedQueues: [...new Set(role.queues)],
      poolId: role.pool,
      pooledElsewhere: [],
    };
  }
  const served = role
    ? resolveServedQueues(workers ?? true, {}, queues)
    : resolveServedQueues(workers, env, queues);
  const pooled = served.filter((q) => queues.get(q)!.processes);
  if (!role)
    return {
      servedQueues: served.filter((q) => !pooled.includes(q)),
      pooledElsewhere: pooled,
    };
  for (const config of queues.values()) {
    if (config.processes && !served.includes(config.name)) {
      throw new JobsConfigurationError(
        Messages.processesOnUnservedQueue(config.name, served),
      );
    }
  }
  if (pooled.length === 0) return { servedQueues: served, pooledElsewhere: [] };
  return {
    servedQueues: [],
    pooledElsewhere: [],
    pool: {
      pooled: pooled.map((q) => queues.get(q)!),
      shared: served.filter((q) => !pooled.includes(q)),
      concurrency: role.concurrency,
    },
  };
}

function resolveServedQueues(
  workers: JobsModuleOptions['workers'],
  env: NodeJS.ProcessEnv,
  queues: ReadonlyMap<string, ResolvedQueueConfig>,
): string[] {
  let option = 'workers';
  let value: unknown = workers;
  if (
    workers === undefined &&
    env.JOBS_WORKERS !== undefined &&
    env.JOBS_WORKERS.trim() !== ''
  ) {
    option = 'JOBS_WORKERS (environment)';
    const raw = env.JOBS_WORKERS.trim();
    value =
      raw === 'all'
        ? true
        : raw === 'none'
          ? false
          : raw
              .split(',')
              .map((q) => q.trim())
              .filter(Boolean);
  }
  if (value === undefined || value === true) return [...queues.keys()];
  if (value === false) return [];
  if (!Array.isArray(value) || value.some((q) => typeof q !== 'string')) {
    fail(option, value, Expected.workers);
  }
  for (const queue of value as string[]) {
    if (!queues.has(queue)) {
      throw new JobsConfigurationError(
        Messages.unconfiguredQueueOption(
          `JobsModule option ${option}`,
          queue,
          queues.keys(),
        ),
      );
    }
  }
  return [...new Set(value as string[])];
}

function positiveInteger(
  option: string,
  raw: unknown,
  fallback?: number,
  expected = Expected.positiveInteger,
): number {
  const value = numeric(raw);
  if (value === undefined && fallback !== undefined) return fallback;
  return integerBetween(fail, option, value, expected, 1);
}

function nonNegativeInteger(
  option: string,
  raw: unknown,
  fallback: number,
): number {
  const value = numeric(raw);
  if (value === undefined) return fallback;
  return integerBetween(fail, option, value, Expected.nonNegativeInteger, 0);
}

function optionalPositiveInteger(
  option: string,
  value: unknown,
): number | undefined {
  return value === undefined ? undefined : positiveInteger(option, value);
}

function optionalNonNegativeInteger(
  option: string,
  value: unknown,
): number | undefined {
  return value === undefined ? undefined : nonNegativeInteger(option, value, 0);
}

function fail(option: string, value: unknown, expected: string): never {
  throw new JobsConfigurationError(
    Messages.invalidOption(option, value, expected),
  );
}
