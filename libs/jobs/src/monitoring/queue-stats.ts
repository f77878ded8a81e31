import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { ResolvedQueueConfig } from '../config/jobs-config';
import type { WorkerInfo } from '../interfaces/worker-info.interface';
import type { QueueStats } from './queue-stats.interface';

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

/** A queue's backlog: jobs ready to run, and how long the next one has waited. About one round trip. */
export async function readBacklog(
  queue: Queue,
  redis: KeyReader,
  now = Date.now(),
): Promise<{ waiting: number; oldestWaitingMs: number }> {
  const [waiting, oldest] = await Promise.all([
    queue.getJobCountByTypes('wait', 'prioritized'),
    oldestWaitingSince(queue, redis),
  ]);
  return {
    waiting,
    oldestWaitingMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
  };
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
  const [timestamp, delay] = await redis.hmget(
    queue.toKey(id),
    'timestamp',
    'delay',
  );
  if (!timestamp) return undefined;
  return Number(timestamp) + (Number(delay) || 0);
}
