import type { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { ResolvedQueueConfig } from '../jobs-config';
import type { WorkerInfo } from '../interfaces/worker-info.interface';
import type { QueueStats } from './queue-stats.interface';

/** Per-minute data points BullMQ keeps per queue for `lastMinute` (one day's worth: a few KB). */
export const METRICS_DATA_POINTS = 24 * 60;

const MINUTE = 60_000;

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
  const [counts, paused, completed, failed, oldest] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'),
    queue.isPaused(),
    queue.getMetrics('completed', 0, 0),
    queue.getMetrics('failed', 0, 0),
    oldestWaitingSince(queue, redis),
  ]);
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
    workers: workers.filter((w) => w.queues.includes(queue.name)).length,
    oldestWaitingMs: oldest === undefined ? 0 : Math.max(0, now - oldest),
    lastMinute: { completed: finishedInLastMinute(completed, now), failed: finishedInLastMinute(failed, now) },
  };
}

/**
 * When the next job to run became ready: the tail of the wait list (BullMQ adds at the head and
 * takes from the tail), at its creation time plus any delay it served. Prioritized jobs run first
 * but are ordered by priority, not age, so the wait list stands for the queue's latency.
 */
async function oldestWaitingSince(queue: Queue, redis: KeyReader): Promise<number | undefined> {
  const id = await redis.lindex(queue.toKey('wait'), -1);
  if (!id) return undefined;
  const [timestamp, delay] = await redis.hmget(queue.toKey(id), 'timestamp', 'delay');
  if (!timestamp) return undefined;
  return Number(timestamp) + (Number(delay) || 0);
}

interface BullMetrics {
  meta: { count: number; prevTS: number; prevCount: number };
  data: number[];
}

/**
 * BullMQ counts finished jobs in `meta.count` and, when a job finishes in a later minute than
 * `meta.prevTS`, pushes the previous minute's total onto `data`. So `count - prevCount` jobs finished
 * in prevTS's minute and `data[0]` in the minute before it. A sliding-window estimate over the two
 * minutes gives the last 60 s without a Redis write per job of our own.
 */
export function finishedInLastMinute({ meta, data }: BullMetrics, now: number): number {
  if (!meta.prevTS) return 0;
  const bucket = Math.floor(meta.prevTS / MINUTE);
  const current = Math.floor(now / MINUTE);
  const inBucket = Math.max(0, meta.count - meta.prevCount);
  let thisMinute = 0;
  let previousMinute = 0;
  if (current === bucket) {
    thisMinute = inBucket;
    previousMinute = data[0] ?? 0;
  } else if (current === bucket + 1) {
    previousMinute = inBucket;
  }
  const previousShare = 1 - (now % MINUTE) / MINUTE;
  return thisMinute + Math.round(previousMinute * previousShare);
}
