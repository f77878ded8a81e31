import type { RedisOptions } from 'ioredis';
import type { JobsClusterConnection, JobsConnection } from './interfaces/jobs-module-options.interface';
import {
  DEFAULT_ENQUEUE_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_REDIS_URL,
  DEFAULT_RETENTION,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
} from './jobs.constants';
import { Messages } from './jobs.messages';
import { JobsConfigurationError } from './errors/jobs-configuration.error';
import type {
  JobRetention,
  JobsModuleOptions,
  QueueConfig,
  RetentionOptions,
} from './interfaces/jobs-module-options.interface';

/** One queue's settings after defaults and validation. */
/** Finished jobs to keep: `true` none, `false` all, or bounds. */
export type Keep = boolean | { count?: number; age?: number };

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
}

/** A connection after validation; cluster nodes normalised to `{ host, port }`. */
export type ResolvedConnection = string | RedisOptions | { cluster: { nodes: { host: string; port: number }[]; options: NonNullable<JobsClusterConnection['cluster']['options']> } };

export const isClusterConnection = (c: ResolvedConnection): c is Extract<ResolvedConnection, { cluster: unknown }> =>
  typeof c === 'object' && c !== null && 'cluster' in c;

/**
 * The BullMQ prefix of one queue. On a cluster it is a hash tag per queue, so all of a queue's
 * keys share one slot (BullMQ's Lua scripts need that) while different queues spread over shards.
 */
export function queuePrefix(config: Pick<JobsConfig, 'connection' | 'prefix'>, queue: string): string {
  return isClusterConnection(config.connection) ? `{${config.prefix}:${queue}}` : config.prefix;
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
];
const QUEUE_KEYS = ['concurrency', 'retention', 'lockDuration', 'stalledInterval', 'maxStalledCount', 'limiter', 'globalConcurrency'];
const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

const POSITIVE_INTEGER = 'a positive integer';

/**
 * Validates options once, at start-up, and fills in defaults. Throws `JobsConfigurationError`
 * naming the wrong option. `env` is a parameter so tests need not touch `process.env`.
 */
export function resolveJobsConfig(
  options: JobsModuleOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): JobsConfig {
  if (!isPlainObject(options)) fail('(the whole options object)', options, 'an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) fail(key, (options as any)[key], `one of the options ${OPTION_KEYS.join(', ')}`);
  }

  const globalRetention = resolveRetention('retention', options.retention);
  const queues = new Map<string, ResolvedQueueConfig>();
  const rawQueues = options.queues ?? {};
  if (!isPlainObject(rawQueues)) fail('queues', rawQueues, 'an object of queue name → concurrency');
  for (const [name, value] of Object.entries(rawQueues)) {
    queues.set(name, resolveQueue(name, value, globalRetention));
  }
  if (!queues.has(DEFAULT_QUEUE)) {
    queues.set(DEFAULT_QUEUE, resolveQueue(DEFAULT_QUEUE, 1, globalRetention));
  }
  applyConcurrencyOverrides(queues, env);

  const routes = new Map<string, string>();
  const rawRoutes = options.routes ?? {};
  if (!isPlainObject(rawRoutes)) fail('routes', rawRoutes, 'an object of job name → queue name');
  for (const [jobName, queue] of Object.entries(rawRoutes)) {
    if (typeof queue !== 'string') fail(`routes.${jobName}`, queue, 'a queue name');
    if (!queues.has(queue)) {
      throw new JobsConfigurationError(
        Messages.unconfiguredQueueOption(`JobsModule option routes.${jobName}`, queue, queues.keys()),
      );
    }
    routes.set(jobName, queue);
  }

  return {
    queues,
    routes,
    connection: resolveConnection(options.connection, env),
    prefix: resolvePrefix(options.prefix),
    servedQueues: resolveServedQueues(options.workers, env, queues),
    maxPayloadBytes: positiveInteger('maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES),
    enqueueTimeoutMs: positiveInteger('enqueueTimeoutMs', options.enqueueTimeoutMs, DEFAULT_ENQUEUE_TIMEOUT_MS),
    shutdownGraceMs: nonNegativeInteger('shutdownGraceMs', options.shutdownGraceMs, DEFAULT_SHUTDOWN_GRACE_MS),
    heartbeatIntervalMs: positiveInteger('heartbeatIntervalMs', options.heartbeatIntervalMs, DEFAULT_HEARTBEAT_INTERVAL_MS),
  };
}

/**
 * `JOBS_CONCURRENCY=high_priority=16,default=4` overrides concurrency in this process only, so an
 * operator can size one worker process without changing code.
 */
function applyConcurrencyOverrides(queues: Map<string, ResolvedQueueConfig>, env: NodeJS.ProcessEnv): void {
  const raw = env.JOBS_CONCURRENCY?.trim();
  if (!raw) return;
  const option = 'JOBS_CONCURRENCY (environment)';
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [queue, value, extra] = pair.split('=').map((p) => p.trim());
    if (!queue || value === undefined || extra !== undefined) fail(option, pair, 'queue=concurrency pairs, such as high_priority=16,default=4');
    const config = queues.get(queue);
    if (!config) throw new JobsConfigurationError(Messages.unconfiguredQueueOption(option, queue, queues.keys()));
    config.concurrency = positiveInteger(`${option} for queue ${queue}`, /^\d+$/.test(value) ? Number(value) : value);
    // A fixed number from the operator turns autoscaling off in this process.
    config.autoscale = undefined;
  }
}

function resolveQueue(
  name: string,
  value: number | QueueConfig,
  globalRetention: Required<RetentionOptions>,
): ResolvedQueueConfig {
  if (!QUEUE_NAME.test(name)) throw new JobsConfigurationError(Messages.invalidQueueName('queues', name));
  const option = `queues.${name}`;
  const config: QueueConfig = typeof value === 'number' ? { concurrency: value } : value;
  if (!isPlainObject(config)) fail(option, value, `${POSITIVE_INTEGER} or { concurrency, ... }`);
  for (const key of Object.keys(config)) {
    if (!QUEUE_KEYS.includes(key)) fail(`${option}.${key}`, (config as any)[key], `one of ${QUEUE_KEYS.join(', ')}`);
  }
  const retention = { ...globalRetention, ...resolveRetention(`${option}.retention`, config.retention, true) };
  const concurrencyOption = typeof value === 'number' ? option : `${option}.concurrency`;
  let autoscale: ResolvedQueueConfig['autoscale'];
  let concurrency: number;
  if (isPlainObject(config.concurrency)) {
    const { min, max, ...rest } = config.concurrency as { min: number; max: number };
    if (Object.keys(rest).length) fail(`${concurrencyOption}.${Object.keys(rest)[0]}`, Object.values(rest)[0], 'min and max only');
    autoscale = { min: positiveInteger(`${concurrencyOption}.min`, min), max: positiveInteger(`${concurrencyOption}.max`, max) };
    if (autoscale.min > autoscale.max) fail(concurrencyOption, config.concurrency, '{ min, max } with min <= max');
    concurrency = autoscale.min;
  } else {
    concurrency = positiveInteger(concurrencyOption, config.concurrency);
  }
  let limiter: ResolvedQueueConfig['limiter'];
  if (config.limiter !== undefined) {
    if (!isPlainObject(config.limiter)) fail(`${option}.limiter`, config.limiter, '{ max, duration }');
    limiter = {
      max: positiveInteger(`${option}.limiter.max`, config.limiter.max),
      duration: positiveInteger(`${option}.limiter.duration`, config.limiter.duration),
    };
  }
  return {
    name,
    concurrency,
    autoscale,
    limiter,
    globalConcurrency: optionalPositiveInteger(`${option}.globalConcurrency`, config.globalConcurrency),
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
    lockDuration: optionalPositiveInteger(`${option}.lockDuration`, config.lockDuration),
    stalledInterval: optionalPositiveInteger(`${option}.stalledInterval`, config.stalledInterval),
    maxStalledCount: optionalNonNegativeInteger(`${option}.maxStalledCount`, config.maxStalledCount),
  };
}

function resolveRetention(option: string, value: RetentionOptions | undefined, partial = false): Required<RetentionOptions> {
  const out: Partial<Record<'completed' | 'failed', Keep>> = partial ? {} : { ...DEFAULT_RETENTION };
  if (value === undefined) return out as Required<RetentionOptions>;
  if (!isPlainObject(value)) fail(option, value, '{ completed?, failed? }');
  for (const key of Object.keys(value)) {
    if (key !== 'completed' && key !== 'failed') fail(`${option}.${key}`, (value as any)[key], 'completed or failed');
  }
  for (const kind of ['completed', 'failed'] as const) {
    if (value[kind] !== undefined) out[kind] = resolveKeep(`${option}.${kind}`, value[kind]!);
  }
  return out as Required<RetentionOptions>;
}

function resolveKeep(option: string, value: JobRetention): Keep {
  const expected = 'true (keep none), false (keep all) or { count?, age? } with non-negative numbers';
  if (typeof value === 'boolean') return value;
  if (!isPlainObject(value) || (value.count === undefined && value.age === undefined)) fail(option, value, expected);
  const keep: { count?: number; age?: number } = {};
  for (const key of Object.keys(value)) {
    const n = (value as any)[key];
    if ((key !== 'count' && key !== 'age') || !Number.isInteger(n) || n < 0) fail(`${option}.${key}`, n, expected);
    (keep as any)[key] = n;
  }
  return keep;
}

function resolveConnection(connection: JobsConnection | undefined, env: NodeJS.ProcessEnv): ResolvedConnection {
  if (connection === undefined) {
    const nodes = env.REDIS_CLUSTER_NODES?.trim();
    if (nodes) return { cluster: { nodes: resolveNodes('REDIS_CLUSTER_NODES (environment)', nodes.split(',')), options: {} } };
    const fromEnv = env.REDIS_URL?.trim();
    if (fromEnv) return checkedUrl('REDIS_URL (environment)', fromEnv);
    return DEFAULT_REDIS_URL;
  }
  if (typeof connection === 'string') return checkedUrl('connection', connection);
  if (!isPlainObject(connection)) fail('connection', connection, 'a redis:// or rediss:// URL, ioredis options, or { cluster: { nodes } }');
  if ('cluster' in connection) {
    const cluster = (connection as JobsClusterConnection).cluster;
    if (!isPlainObject(cluster) || !Array.isArray(cluster.nodes) || cluster.nodes.length === 0) {
      fail('connection.cluster', cluster, '{ nodes: ["host:port", ...], options? }');
    }
    if (cluster.options !== undefined && !isPlainObject(cluster.options)) fail('connection.cluster.options', cluster.options, 'ioredis cluster options');
    return { cluster: { nodes: resolveNodes('connection.cluster.nodes', cluster.nodes), options: cluster.options ?? {} } };
  }
  return connection;
}

function resolveNodes(option: string, nodes: Array<string | { host: string; port: number }>): { host: string; port: number }[] {
  return nodes.map((node) => {
    if (typeof node === 'string') {
      const match = /^\s*([^\s:]+|\[[^\]]+\]):(\d+)\s*$/.exec(node);
      if (!match) fail(option, node, 'host:port, such as 127.0.0.1:7000');
      return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
    }
    if (!isPlainObject(node) || typeof node.host !== 'string' || !Number.isInteger(node.port)) {
      fail(option, node, '{ host, port } or "host:port"');
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
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    fail(option, url, 'a URL such as redis://user:password@host:6379/0 or rediss://host:6380');
  }
  return url;
}

function resolvePrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || prefix === '' || /\s/.test(prefix)) {
    fail('prefix', prefix, 'a non-empty string without spaces, such as "jobs" or "myapp"');
  }
  return prefix;
}

function resolveServedQueues(
  workers: JobsModuleOptions['workers'],
  env: NodeJS.ProcessEnv,
  queues: ReadonlyMap<string, ResolvedQueueConfig>,
): string[] {
  let option = 'workers';
  let value: unknown = workers;
  if (workers === undefined && env.JOBS_WORKERS !== undefined && env.JOBS_WORKERS.trim() !== '') {
    option = 'JOBS_WORKERS (environment)';
    const raw = env.JOBS_WORKERS.trim();
    value = raw === 'all' ? true : raw === 'none' ? false : raw.split(',').map((q) => q.trim()).filter(Boolean);
  }
  if (value === undefined || value === true) return [...queues.keys()];
  if (value === false) return [];
  if (!Array.isArray(value) || value.some((q) => typeof q !== 'string')) {
    fail(option, value, 'true (every queue), false (none), or a list of queue names');
  }
  for (const queue of value as string[]) {
    if (!queues.has(queue)) {
      throw new JobsConfigurationError(Messages.unconfiguredQueueOption(`JobsModule option ${option}`, queue, queues.keys()));
    }
  }
  return [...new Set(value as string[])];
}

function positiveInteger(option: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1) fail(option, value, POSITIVE_INTEGER);
  return value as number;
}

function nonNegativeInteger(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 0) fail(option, value, 'a non-negative integer');
  return value as number;
}

function optionalPositiveInteger(option: string, value: unknown): number | undefined {
  return value === undefined ? undefined : positiveInteger(option, value);
}

function optionalNonNegativeInteger(option: string, value: unknown): number | undefined {
  return value === undefined ? undefined : nonNegativeInteger(option, value, 0);
}

function fail(option: string, value: unknown, expected: string): never {
  throw new JobsConfigurationError(Messages.invalidOption(option, value, expected));
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
