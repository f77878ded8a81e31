import { Logger } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';

/** Creates an ioredis client from the module's `connection` (URL or options) with role-specific overrides. */
export function createRedisClient(connection: string | RedisOptions, overrides: RedisOptions): Redis {
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
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 1_000).unref())]);
  } catch {
    client.disconnect();
  }
}
