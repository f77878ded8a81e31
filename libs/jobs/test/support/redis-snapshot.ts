import Redis from 'ioredis';
import { countJobs, redisUrl, type JobsTestApp } from './test-app';

/** What a refused call must leave unchanged: every key under the prefix (with its type) and the job counts. */
export interface RedisSnapshot {
  keys: string[];
  jobs: number;
}

/** One connection for many snapshots; `close()` it after the suite. */
export class RedisSnapshots {
  private readonly redis = new Redis(redisUrl());

  async take(
    t: Pick<JobsTestApp, 'app' | 'jobs' | 'prefix'>,
  ): Promise<RedisSnapshot> {
    const keys = (await this.redis.keys(`${t.prefix}:*`)).sort();
    return { keys, jobs: await countJobs(t) };
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** Builds `{ a: { a: ... } }` (or `[[...]]`) `levels` deep without recursion. */
export function nested(
  levels: number,
  kind: 'object' | 'array' = 'object',
  leaf: unknown = 1,
): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++)
    value = kind === 'object' ? { a: value } : [value];
  return value;
}

/** The data a reader gets back for `data` enqueued: JSON's view of it (`undefined` and null become `{}`). */
export function asStored(data: unknown): unknown {
  return JSON.parse(JSON.stringify(data ?? {}));
}
