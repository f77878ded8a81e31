import { Injectable } from '@nestjs/common';
import { JobHandler, type JobContext } from 'nestjs-jobs';

/** Handlers for the monitoring specs (stats, admin, metrics, health): quick, failing, flaky and held jobs. */
@Injectable()
export class MonitoringHandlers {
  /** Ids of `hold` jobs that have started. */
  readonly started = new Set<string>();
  private readonly releases = new Map<string, () => void>();

  @JobHandler('ok')
  ok(data: { n?: number }) {
    return { n: data.n ?? 0 };
  }

  @JobHandler('boom')
  boom() {
    throw new Error('boom on purpose');
  }

  /** Fails its first attempt, succeeds on the second. */
  @JobHandler('flaky', { attempts: 2, backoff: 1 })
  flaky(_data: unknown, ctx: JobContext) {
    if (ctx.attempt === 1) throw new Error('flaky first attempt');
    return 'second time lucky';
  }

  /** Reports progress and a log line, then runs until released or its signal aborts. */
  @JobHandler('hold')
  async hold(_data: unknown, ctx: JobContext) {
    await ctx.progress(40);
    await ctx.log('holding');
    this.started.add(ctx.id);
    await new Promise<void>((resolve, reject) => {
      this.releases.set(ctx.id, resolve);
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), {
        once: true,
      });
    });
    return 'released';
  }

  release(id: string): void {
    this.releases.get(id)?.();
  }

  releaseAll(): void {
    for (const release of this.releases.values()) release();
  }
}
