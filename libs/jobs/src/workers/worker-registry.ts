import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JOBS_CONFIG } from '../jobs.constants';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import type { JobsConfig } from '../jobs-config';
import type { WorkerInfo } from '../interfaces/worker-info.interface';

/** A heartbeat older than this many intervals means the process is gone. */
const MISSED_BEATS = 3;

/**
 * Heartbeats of worker processes, in one Redis hash per prefix (one key, so it also works on a
 * cluster). Each process serving queues writes its entry every `heartbeatIntervalMs`; readers
 * ignore and prune entries that stopped beating.
 */
@Injectable()
export class WorkerRegistry {
  /** This process's id in the registry. */
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt = new Date();
  private readonly key: string;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
  ) {
    this.key = `${config.prefix}:nestjs-jobs:workers`;
  }

  /** Writes this process's heartbeat. Errors (Redis away) are the caller's to ignore. */
  async beat(concurrency: Record<string, number>, lastMinute: WorkerInfo['lastMinute']): Promise<void> {
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

  /** Live worker processes, most recently seen first. Prunes the dead ones. */
  async list(): Promise<WorkerInfo[]> {
    const entries = await this.queues.producer.hgetall(this.key);
    const oldest = Date.now() - MISSED_BEATS * this.config.heartbeatIntervalMs;
    const live: WorkerInfo[] = [];
    const dead: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      const raw = JSON.parse(json);
      // Entries written before lastMinute existed still read as a worker with no recent jobs.
      const info: WorkerInfo = { lastMinute: {}, ...raw, startedAt: new Date(raw.startedAt), lastSeen: new Date(raw.lastSeen) };
      if (info.lastSeen.getTime() >= oldest) live.push(info);
      else dead.push(id);
    }
    if (dead.length) await this.queues.producer.hdel(this.key, ...dead);
    return live.sort((a, b) => b.lastSeen.getTime() - a.lastSeen.getTime());
  }
}
