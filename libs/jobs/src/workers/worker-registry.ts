import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JOBS_CONFIG } from '../jobs.constants';
import { Messages } from '../jobs.messages';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import type { JobsConfig } from '../config/jobs-config';
import type { WorkerInfo } from '../interfaces/worker-info.interface';

/** A heartbeat older than this many intervals means the process is gone. */
const MISSED_BEATS = 3;

/** What a heartbeat carries: queue name → jobs at once, and jobs finished in the last minute per queue. */
export interface HeartbeatSource {
  concurrency(): Record<string, number>;
  lastMinute(now: number): WorkerInfo['lastMinute'];
}

/**
 * Heartbeats of worker processes, in one Redis hash per prefix (one key, so it also works on a
 * cluster). Each process serving queues writes its entry every `heartbeatIntervalMs` (its timer
 * lives here); readers ignore and prune entries that stopped beating.
 */
@Injectable()
export class WorkerRegistry {
  /** This process's id in the registry. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt = new Date();
  private readonly key: string;
  private readonly logger = new Logger('JobsModule');
  /** Bad entries already reported. */
  private readonly warned = new Set<string>();
  private timer?: NodeJS.Timeout;
  private source?: HeartbeatSource;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
  ) {
    this.key = `${config.prefix}:nestjs-jobs:workers`;
  }

  /** Beats now and every `heartbeatIntervalMs` with what `source` reports, until `stop()`. */
  start(source: HeartbeatSource): void {
    this.source = source;
    this.beatNow();
    this.timer = setInterval(
      () => this.beatNow(),
      this.config.heartbeatIntervalMs,
    );
  }

  /** Beats at once (after a change such as a new concurrency), if started. Never rejects. */
  beatNow(): void {
    if (this.source) void this.beatFrom(this.source);
  }

  /** Stops the timer; `remove()` then takes the entry out. */
  stop(): void {
    clearInterval(this.timer);
    this.source = undefined;
  }

  private async beatFrom(source: HeartbeatSource): Promise<void> {
    // At start-up the producer may still be connecting: wait for it rather than lose the first beat.
    // While Redis is away the beat fails; the next one after reconnecting restores the entry.
    if (this.queues.producer.status !== 'ready')
      await this.queues.whenReady().catch(() => undefined);
    await this.beat(source.concurrency(), source.lastMinute(Date.now())).catch(
      () => undefined,
    );
  }

  /** Writes this process's heartbeat. Errors (Redis away) are the caller's to ignore. */
  async beat(
    concurrency: Record<string, number>,
    lastMinute: WorkerInfo['lastMinute'],
  ): Promise<void> {
    const info: WorkerInfo = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues: Object.keys(concurrency),
      concurrency,
      lastMinute,
      ...(this.config.poolId !== undefined && { pool: this.config.poolId }),
      startedAt: this.startedAt,
      lastSeen: new Date(),
    };
    await this.queues.producer.hset(this.key, this.id, JSON.stringify(info));
  }

  async remove(): Promise<void> {
    await this.queues.producer.hdel(this.key, this.id);
  }

  /**
   * Live worker processes, most recently seen first. Prunes the dead ones, and entries that are not
   * a heartbeat (hand-edited, or from an incompatible version), logging each of those once, so one
   * bad entry cannot break the readers (stats, admin views, metrics, the enqueue warning).
   */
  async list(): Promise<WorkerInfo[]> {
    const entries = await this.queues.producer.hgetall(this.key);
    const oldest = Date.now() - MISSED_BEATS * this.config.heartbeatIntervalMs;
    const live: WorkerInfo[] = [];
    const dead: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      const info = readHeartbeat(id, json);
      if (typeof info === 'string') {
        this.warnOnce(id, info);
        dead.push(id);
      } else if (info.lastSeen.getTime() >= oldest) live.push(info);
      else dead.push(id);
    }
    if (dead.length) await this.queues.producer.hdel(this.key, ...dead);
    return live.sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  }

  private warnOnce(id: string, problem: string): void {
    if (this.warned.has(id)) return;
    // Bounded: a flood of bad entries cannot grow this without limit.
    if (this.warned.size >= 1_000) this.warned.clear();
    this.warned.add(id);
    this.logger.warn(Messages.badHeartbeat(this.key, id, problem));
  }
}

/** One entry of the workers hash as a `WorkerInfo`, or what is wrong with it. */
function readHeartbeat(id: string, json: string): WorkerInfo | string {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return 'not JSON';
  }
  if (!isRecord(raw)) return 'not a JSON object';
  const { host, pid, queues, concurrency, lastMinute = {}, pool } = raw;
  const startedAt = new Date(raw.startedAt as string);
  const lastSeen = new Date(raw.lastSeen as string);
  if (typeof host !== 'string' || typeof pid !== 'number')
    return 'host or pid missing';
  if (!Array.isArray(queues) || !queues.every((q) => typeof q === 'string'))
    return 'queues is not a list of names';
  if (
    !isRecord(concurrency) ||
    !Object.values(concurrency).every((n) => Number.isFinite(n))
  )
    return 'concurrency is not numbers';
  // Entries written before lastMinute existed still read as a worker with no recent jobs.
  if (
    !isRecord(lastMinute) ||
    !Object.values(lastMinute).every(
      (m) =>
        isRecord(m) &&
        Number.isFinite(m.completed) &&
        Number.isFinite(m.failed),
    )
  ) {
    return 'lastMinute is not counts';
  }
  if (pool !== undefined && typeof pool !== 'string')
    return 'pool is not a string';
  if (Number.isNaN(startedAt.getTime()) || Number.isNaN(lastSeen.getTime()))
    return 'startedAt or lastSeen is not a date';
  return {
    id,
    host,
    pid,
    queues,
    concurrency: concurrency as WorkerInfo['concurrency'],
    lastMinute: lastMinute as WorkerInfo['lastMinute'],
    ...(pool !== undefined && { pool }),
    startedAt,
    lastSeen,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
