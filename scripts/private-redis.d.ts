// Types of private-redis.js, for the TypeScript tests and the bench.
import type { ChildProcess } from 'node:child_process';

export interface PrivateRedisOptions {
  /** AOF on, for restart tests. */
  appendonly?: boolean;
  /** A fixed port, to restart on the same port; a free one otherwise. */
  port?: number;
  /** A data directory to reuse; a fresh temporary one otherwise (removed on stop). */
  dir?: string;
  extraArgs?: string[];
  /** Its own process group, so a terminal's Ctrl-C leaves it to its owner. */
  detached?: boolean;
}

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  pid: number | undefined;
  process: ChildProcess;
  /** `keepDir` leaves the data directory for a restart on the same data; `signal` SIGKILL simulates a crash. */
  stop(options?: { keepDir?: boolean; signal?: NodeJS.Signals }): Promise<void>;
}

/** Starts a throw-away redis-server on loopback. */
export function startPrivateRedis(
  options?: PrivateRedisOptions,
): Promise<PrivateRedis>;
/** The redis-server binary, or an error naming the command that installs it. */
export function findRedisServer(): string;
