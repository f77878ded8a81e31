import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';

/** The workspace root (where scripts/private-redis.js lives), from src or from dist/bench. */
export const repoRoot: string = (() => {
  for (
    let dir = __dirname;
    dir !== path.dirname(dir);
    dir = path.dirname(dir)
  ) {
    if (fs.existsSync(path.join(dir, 'scripts', 'private-redis.js')))
      return dir;
  }
  throw new Error(`Cannot find scripts/private-redis.js above ${__dirname}`);
})();

export interface PrivateRedis {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** A throw-away redis-server on a free loopback port, the same one the tests start. */
export async function startRedis(): Promise<PrivateRedis> {
  // Loaded from the workspace at run time: the bench runs compiled from dist/bench, where the
  // relative path differs. Typed by scripts/private-redis.d.ts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is computed (see above), which an import cannot do
  const { startPrivateRedis } = require(
    path.join(repoRoot, 'scripts', 'private-redis.js'),
  ) as typeof import('../../scripts/private-redis');
  const redis = await startPrivateRedis();
  return {
    url: redis.url,
    host: '127.0.0.1',
    port: redis.port,
    stop: () => redis.stop(),
  };
}

/** Milliseconds with sub-millisecond resolution, comparable across one process. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number) =>
  new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until true; throws after `timeoutMs` so no scenario can hang. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 2,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `bench: timed out after ${timeoutMs} ms waiting for ${what}`,
      );
    await sleep(everyMs);
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const median = (values: number[]) => percentile(values, 50);

/** Redis command counts since the last `CONFIG RESETSTAT`: command → calls. */
export async function commandStats(
  redis: Redis,
): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const out: Record<string, number> = {};
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Rotates `items` by `round`, so no contender always runs first (or last) in a round. */
export const rotate = <T>(items: readonly T[], round: number): T[] =>
  items.map((_, i) => items[(i + round) % items.length]);

export const log = (message: string) => process.stderr.write(`${message}\n`);

/** The median of some rounds' figures, with their range: how steady the figure was. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export const spread = (values: number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** redis-server's CPU time so far (user + system), in µs, from INFO cpu. */
async function redisCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const read = (field: string) =>
    Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1e6;
}

/**
 * CPU per job of this process (`process.cpuUsage`) and of redis-server (`INFO cpu`) over `work`,
 * in µs: steadier than jobs/s on a shared machine, since time spent waiting for a core is not counted.
 */
export async function measureCpu<T>(
  admin: Redis,
  jobs: number,
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; nodeUs: number; redisUs: number }> {
  const redis0 = await redisCpuUs(admin);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  const result = await work();
  const ms = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const redisUs = (await redisCpuUs(admin)) - redis0;
  return {
    result,
    ms,
    nodeUs: (cpu.user + cpu.system) / jobs,
    redisUs: redisUs / jobs,
  };
}
