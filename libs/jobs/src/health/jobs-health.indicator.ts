import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  HealthIndicatorService,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { Worker } from 'bullmq';
import { JobsInternals } from '../jobs.internals';
import type { JobsHealthOptions } from './jobs-health-options.interface';

export const JOBS_HEALTH_OPTIONS = Symbol('JOBS_HEALTH_OPTIONS');

/**
 * Terminus health indicator: up when Redis answers PING within the timeout and every queue this
 * process serves has a running worker.
 * @example
 * health.check([() => jobsHealth.isHealthy('jobs')])
 */
@Injectable()
export class JobsHealthIndicator implements OnModuleInit {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly internals: JobsInternals,
    @Inject(JOBS_HEALTH_OPTIONS) private readonly options: JobsHealthOptions,
  ) {}

  onModuleInit(): void {
    this.internals.observeWorkers((queue, worker) =>
      this.workers.set(queue, worker),
    );
  }

  async isHealthy<K extends string = 'jobs'>(
    key: K = 'jobs' as K,
    timeoutMs = this.options.timeoutMs ?? 1_000,
  ): Promise<HealthIndicatorResult<K>> {
    const indicator = this.health.check(key);
    const redis = await this.ping(timeoutMs);
    const queues = Object.fromEntries(
      this.internals.servedQueues().map((queue) => {
        const worker = this.workers.get(queue);
        return [queue, worker?.isRunning() && !worker.closing ? 'up' : 'down'];
      }),
    );
    const stopped = Object.keys(queues).filter((q) => queues[q] === 'down');
    const problems = [
      ...(redis.status === 'down'
        ? [`Redis did not answer PING within ${timeoutMs} ms (${redis.error})`]
        : []),
      ...(stopped.length
        ? [
            `no running worker for queue(s) ${stopped.join(', ')} in this process`,
          ]
        : []),
    ];
    const details = { redis, workers: queues };
    return problems.length
      ? indicator.down({ ...details, message: problems.join('; ') })
      : indicator.up(details);
  }

  private async ping(
    timeoutMs: number,
  ): Promise<
    { status: 'up'; latencyMs: number } | { status: 'down'; error: string }
  > {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.internals.ping(),
        new Promise(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new Error('no reply')),
              timeoutMs,
            )),
        ),
      ]);
      return { status: 'up', latencyMs: Date.now() - started };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
