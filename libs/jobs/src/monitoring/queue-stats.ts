import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { ResolvedQueueConfig } from '../config/jobs-config';
import type { WorkerInfo } from '../interfaces/worker-info.interface';
import type { QueueStats } from './queue-stats.interface';
import {
  inOneRoundTrip,
  type RedisClient,
  type RedisCommand,
} from '../redis/redis-client.factory';

/** The two reads needed here; a standalone or cluster client both have them. */
type KeyReader = Pick<Redis, 'lindex' | 'hmget'>;

/** Reads one queue's stats; every Redis read is issued at once, so it costs about one round trip. */
export async function readQueueStats(
  queue: Queue,
  config: ResolvedQueueConfig,
  redis: KeyReader,
  workers: readonly WorkerInfo[],
  now = Date.now(),
): Promise<QueueStats> {
  const [counts, paused, oldest] = await Promise.all([
    queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    ),
    queue.isPaused(),
    oldestWaitingSince(queue, redis),
  ]);
  const serving = workers.filter((w) => w.queues.includes(queue.name));
  const lastMinute = { completed: 0, failed: 0 };
  for (const worker of serving) {
    lastMinute.completed += worker.lastMinute[queue.name]?.completed ?? 0;
    lastMinute.failed += worker.lastMinute[queue.name]?.failed ?? 0;
  }
  return {
    queue: queue.name,
    counts: {
      waiting: counts.waiting + counts.prioritized,
      active: counts.active,
      delayed: counts.delayed,
      completed: counts.completed,
      failed: counts.failed,
    },
    paused,
    concurrency: config.concurrency,
    workers: serving.length,
    pool: config.processes
      ? {
          min: config.processes.min,
          max: config.processes.max,
          processes: serving.filter((w) => w.pool !== undefined).length,
        }
      : null,
    oldestWaitingMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
    lastMinute,
  };
}

/** A queue's backlog: jobs ready to run, and how long the next one has waited. */
export interface Backlog {
  waiting: number;
  oldestWaitingMs: number;
}

/**
 * Jobs ready to run (waiting or prioritized) on each of `queues`, what BullMQ's
 * `getJobCountByTypes('wait', 'prioritized')` counts: one round trip for all of them.
 */
export async function readWaiting(
  queues: readonly Queue[],
  redis: RedisClient,
): Promise<number[]> {
  const replies = await inOneRoundTrip(
    redis,
    queues.flatMap((q): RedisCommand[] => [
      ['llen', q.toKey('wait')],
      ['zcard', q.toKey('prioritized')],
    ]),
  );
  return queues.map(
    (_, i) => Number(replies[2 * i]) + Number(replies[2 * i + 1]),
  );
}

/**
 * Each queue's backlog: one round trip for all of them, and a second one for the next job's age
 * when any has a job waiting.
 */
export async function readBacklogs(
  queues: readonly Queue[],
  redis: RedisClient,
  now = Date.now(),
): Promise<Backlog[]> {
  const replies = await inOneRoundTrip(
    redis,
    queues.flatMap((q): RedisCommand[] => [
      ['llen', q.toKey('wait')],
      ['zcard', q.toKey('prioritized')],
      // The next job to run: see oldestWaitingSince.
      ['lindex', q.toKey('wait'), -1],
    ]),
  );
  const next = queues.flatMap((q, i) => {
    const id = replies[3 * i + 2] as string | null;
    return id ? [{ i, key: q.toKey(id) }] : [];
  });
  const times = await inOneRoundTrip(
    redis,
    next.map(({ key }): RedisCommand => ['hmget', key, 'timestamp', 'delay']),
  );
  const oldest = new Map(
    next.map(({ i }, k) => [i, readySince(times[k] as (string | null)[])]),
  );
  return queues.map((_, i) => {
    const since = oldest.get(i);
    return {
      waiting: Number(replies[3 * i]) + Number(replies[3 * i + 1]),
      oldestWaitingMs: since === undefined ? 0 : Math.max(0, now - since),
    };
  });
}

/**
 * When the next job to run became ready: the tail of the wait list (BullMQ adds at the head and
 * takes from the tail), at its creation time plus any delay it served. Prioritized jobs run first
 * but are ordered by priority, not age, so the wait list stands for the queue's latency.
 */
async function oldestWaitingSince(
  queue: Queue,
  redis: KeyReader,
): Promise<number | undefined> {
  const id = await redis.lindex(queue.toKey('wait'), -1);
  if (!id) return undefined;
  return readySince(await redis.hmget(queue.toKey(id), 'timestamp', 'delay'));
}

/** When a job became ready to run, from its `timestamp` and `delay` fields. */
function readySince([timestamp, delay]: (string | null)[]): number | undefined {
  if (!timestamp) return undefined;
  return Number(timestamp) + (Number(delay) || 0);
}
