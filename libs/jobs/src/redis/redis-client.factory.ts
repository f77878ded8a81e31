import { Logger } from '@nestjs/common';
import Redis, { Cluster, type RedisOptions } from 'ioredis';
import { isClusterConnection, type ResolvedConnection } from '../jobs-config';

/** A standalone or cluster client: BullMQ takes either. */
export type RedisClient = Redis | Cluster;

/**
 * Creates an ioredis client from the module's `connection` (URL, options or cluster) with
 * role-specific overrides. On a cluster, `enableOfflineQueue` applies to the cluster client and the
 * rest to each node.
 */
export function createRedisClient(connection: ResolvedConnection, overrides: RedisOptions): RedisClient {
  if (isClusterConnection(connection)) {
    const { nodes, options } = connection.cluster;
    const { enableOfflineQueue, ...nodeOverrides } = overrides;
    return new Cluster(nodes, {
      ...options,
      ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
      redisOptions: { ...options.redisOptions, ...nodeOverrides },
    });
  }
  return typeof connection === 'string' ? new Redis(connection, overrides) : new Redis({ ...connection, ...overrides });
}

/**
 * Returns an `error` listener that logs a connection problem once per outage, not on every
 * reconnect attempt, and says when the connection is back.
 */
export function logConnectionErrors(emitter: { on(event: string, fn: (...args: any[]) => void): unknown }, logger: Logger, label: string) {
  let down = false;
  emitter.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error(`${label}: Redis connection error: ${error.message}. Retrying in the background.`);
  });
  emitter.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(`${label}: Redis connection restored.`);
  });
}

/** Closes a client politely, falling back to a hard disconnect when Redis does not answer. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 1_000).unref())]);
  } catch {
    client.disconnect();
  }
}
