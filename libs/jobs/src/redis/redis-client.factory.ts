import { LogLines } from '../jobs.messages';
import { Logger } from '@nestjs/common';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import {
  isClusterConnection,
  type ResolvedConnection,
} from '../config/jobs-config';

/** A standalone or cluster client: BullMQ takes either. */
export type RedisClient = Redis | Cluster;

/**
 * Creates an ioredis client from the module's `connection` (URL, options or cluster) with
 * role-specific overrides. On a cluster, `enableOfflineQueue` applies to the cluster client and the
 * rest to each node.
 */
export function createRedisClient(
  connection: ResolvedConnection,
  overrides: RedisOptions,
): RedisClient {
  if (isClusterConnection(connection)) {
    const { nodes, options } = connection.cluster;
    const { enableOfflineQueue, ...nodeOverrides } = overrides;
    return new Cluster(nodes, {
      ...options,
      ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
      redisOptions: { ...options.redisOptions, ...nodeOverrides },
    });
  }
  return typeof connection === 'string'
    ? new Redis(connection, overrides)
    : new Redis({ ...connection, ...overrides });
}

/** A Redis command as its name and arguments, e.g. `['llen', 'jobs:default:wait']`. */
export type RedisCommand = [name: string, ...args: (string | number)[]];

/**
 * Sends `commands` together and resolves with their replies in order (rejects with the first error):
 * one round trip however many there are. A pipeline on a single Redis; on a cluster, where a
 * pipeline must stay on one node, all at once, so each node is one round trip in parallel.
 */
export async function inOneRoundTrip(
  client: RedisClient,
  commands: RedisCommand[],
): Promise<unknown[]> {
  if (commands.length === 0) return [];
  if (client.isCluster)
    return Promise.all(
      commands.map(([name, ...args]) => client.call(name, ...args)),
    );
  const replies = (await client.pipeline(commands).exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}

/** Whether `error` says Redis could not be reached or the connection broke, rather than a command failed. */
export function isConnectionError(error: unknown): boolean {
  const { code, name, message } = (error ?? {}) as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
  };
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  if (name === 'ClusterAllFailedError' || name === 'MaxRetriesPerRequestError')
    return true;
  return typeof message === 'string' && CONNECTION_ERROR_MESSAGE.test(message);
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const CONNECTION_ERROR_MESSAGE =
  /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries per request|Failed to refresh slots cache|None of startup nodes is available|All sentinels are unreachable|connect ETIMEDOUT|Connection timeout/i;

/**
 * Logs what `emitter` (a client, or a BullMQ worker or queue) reports on `error`. A connection
 * problem is logged once per outage, not on every reconnect attempt, and its end is logged when
 * `client` (the connection itself, which emits `ready` after every reconnect; a BullMQ Worker emits
 * `ready` only once) is back. Any other error, such as a script failing on a key that a Redis restart
 * lost, is logged every time, as what it is.
 */
export function logConnectionErrors(
  emitter: { on(event: string, fn: (...args: any[]) => void): unknown },
  logger: Logger,
  label: string,
  client: {
    on(event: string, fn: (...args: any[]) => void): unknown;
  } = emitter,
) {
  let down = false;
  emitter.on('error', (error: Error) => {
    if (!isConnectionError(error)) {
      logger.error(
        LogLines.clientError(label, error?.message ?? String(error)),
      );
      return;
    }
    if (down) return;
    down = true;
    logger.error(LogLines.connectionLost(label, error.message));
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(LogLines.connectionRestored(label));
  });
}

/**
 * Closes a client politely within `ms` (at most 1 s), and hard when Redis does not answer in time or
 * is not connected now (a QUIT would wait in the offline queue until Redis is back).
 */
export async function closeRedisClient(
  client: RedisClient,
  ms = 1_000,
): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.quit(),
      new Promise(
        (_, reject) => (timer = setTimeout(reject, Math.min(ms, 1_000))),
      ),
    ]);
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
