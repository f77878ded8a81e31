import { Injectable } from '@nestjs/common';
import request from 'supertest';
import { JobHandler, type JobContext } from 'nestjs-jobs';
import { JobsMetricsModule } from 'nestjs-jobs/metrics';
import { waitFor } from './support/test-app';
import { createHttpApp, type HttpTestApp } from './support/http-app';

/** Until its signal aborts (timeout or cancel). */
const untilAborted = (ctx: JobContext) =>
  new Promise<void>((resolve) =>
    ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
  );

@Injectable()
class FailingHandlers {
  @JobHandler('always-fails', { attempts: 2, backoff: 1 })
  alwaysFails() {
    throw new Error('fails on purpose');
  }

  @JobHandler('times-out', { attempts: 2, backoff: 1, timeout: 200 })
  timesOut(_data: unknown, ctx: JobContext) {
    return untilAborted(ctx);
  }

  @JobHandler('cancelled', { attempts: 3 })
  cancelled(_data: unknown, ctx: JobContext) {
    return untilAborted(ctx);
  }
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('one "failed for good" rule for stats().lastMinute and jobs_failed_total', () => {
  let t: HttpTestApp;
  afterEach(() => t?.close());

  it('count the same failures: retried attempts in neither, final, cancelled and timed-out jobs in both', async () => {
    t = await createHttpApp(
      { queues: { default: 4 }, heartbeatIntervalMs: 200 },
      { imports: [JobsMetricsModule.register()], providers: [FailingHandlers] },
    );
    const refs = [
      await t.jobs.enqueue({ name: 'always-fails' }),
      await t.jobs.enqueue({ name: 'times-out' }),
      await t.jobs.enqueue({ name: 'cancelled' }),
    ];
    await waitFor(
      async () => (await t.jobs.get(refs[2].id))?.status === 'active',
      10_000,
      'the job to cancel to start',
    );
    expect(await t.jobs.cancel(refs[2].id, 'stop')).toBe('signalled');
    const infos = await waitFor(
      async () => {
        const all = await Promise.all(refs.map((ref) => t.jobs.get(ref.id)));
        return all.every((info) => info?.status === 'failed') ? all : undefined;
      },
      15_000,
      'all three jobs to fail for good',
    );
    // Two attempts each for the retried ones; the cancel ended its job on the first of three.
    expect(infos.map((info) => info!.attemptsMade)).toEqual([2, 2, 1]);
    expect(infos[2]!.error).toBe('Job cancelled: stop.');

    const [stats] = await waitFor(
      async () => {
        const s = await t.jobs.stats('default');
        return s[0].lastMinute.failed === 3 ? s : undefined;
      },
      5_000,
      'the heartbeat to carry the failures',
    );
    expect(stats.lastMinute.failed).toBe(3);
    const text = (await request(t.url).get('/metrics').expect(200)).text;
    const failed = (name: string) =>
      sample(
        text,
        `nestjs_jobs_jobs_failed_total{queue="default",name="${name}"}`,
      );
    const retried = (name: string) =>
      sample(
        text,
        `nestjs_jobs_jobs_retried_total{queue="default",name="${name}"}`,
      );
    expect([
      failed('always-fails'),
      failed('times-out'),
      failed('cancelled'),
    ]).toEqual([1, 1, 1]);
    expect([
      retried('always-fails'),
      retried('times-out'),
      retried('cancelled'),
    ]).toEqual([1, 1, undefined]);
  });
});
