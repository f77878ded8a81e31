import request from 'supertest';
import { Registry } from 'prom-client';
import { JobsMetrics, JobsMetricsModule } from 'nestjs-jobs/metrics';
import { waitFor } from './support/test-app';
import { createHttpApp, type HttpTestApp } from './support/http-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

/** The value of one sample line, e.g. `nestjs_jobs_queue_jobs{queue="idle",state="waiting"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('JobsMetricsModule (Prometheus, real Redis)', () => {
  let t: HttpTestApp;

  afterEach(async () => {
    t?.app.get(MonitoringHandlers).releaseAll();
    await t?.close();
  });

  const boot = (metrics = JobsMetricsModule.register()) =>
    createHttpApp(
      {
        queues: { default: 1, fast: 2, idle: 1 },
        workers: ['default', 'fast'],
        heartbeatIntervalMs: 200,
      },
      { imports: [metrics], providers: [MonitoringHandlers] },
    );

  it('serves queue gauges, wait and run histograms and completed, failed and retried counters at /metrics', async () => {
    t = await boot();
    await t.jobs.enqueueMany(
      [{ name: 'ok' }, { name: 'ok' }, { name: 'boom' }, { name: 'flaky' }],
      'fast',
    );
    await t.jobs.enqueue({ name: 'ok' }, 'idle');
    await t.jobs.enqueue({ name: 'ok', options: { delay: 60_000 } }, 'idle');
    await waitFor(
      async () => {
        const [fast] = await t.jobs.stats('fast');
        return (
          fast.counts.completed === 3 &&
          fast.counts.failed === 1 &&
          fast.workers === 1
        );
      },
      10_000,
      'the fast jobs to finish',
    );

    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(
      /^text\/plain;.*version=0\.0\.4/,
    );
    const text = res.text;
    expect(
      sample(text, 'nestjs_jobs_queue_jobs{queue="idle",state="waiting"}'),
    ).toBe(1);
    expect(
      sample(text, 'nestjs_jobs_queue_jobs{queue="idle",state="delayed"}'),
    ).toBe(1);
    expect(
      sample(text, 'nestjs_jobs_queue_jobs{queue="fast",state="completed"}'),
    ).toBe(3);
    expect(
      sample(text, 'nestjs_jobs_queue_jobs{queue="fast",state="failed"}'),
    ).toBe(1);
    expect(sample(text, 'nestjs_jobs_queue_paused{queue="fast"}')).toBe(0);
    expect(sample(text, 'nestjs_jobs_queue_workers{queue="fast"}')).toBe(1);
    expect(sample(text, 'nestjs_jobs_queue_workers{queue="idle"}')).toBe(0);
    expect(sample(text, 'nestjs_jobs_queue_concurrency{queue="fast"}')).toBe(2);
    expect(
      sample(text, 'nestjs_jobs_queue_oldest_waiting_seconds{queue="idle"}'),
    ).toBeGreaterThanOrEqual(0);

    expect(
      sample(text, 'nestjs_jobs_jobs_completed_total{queue="fast",name="ok"}'),
    ).toBe(2);
    expect(
      sample(
        text,
        'nestjs_jobs_jobs_completed_total{queue="fast",name="flaky"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'nestjs_jobs_jobs_failed_total{queue="fast",name="boom"}'),
    ).toBe(1);
    expect(
      sample(text, 'nestjs_jobs_jobs_retried_total{queue="fast",name="flaky"}'),
    ).toBe(1);
    expect(
      sample(text, 'nestjs_jobs_jobs_failed_total{queue="fast",name="flaky"}'),
    ).toBeUndefined();
    // Wait time once per job (first start); run time once per attempt (flaky ran twice).
    expect(
      sample(
        text,
        'nestjs_jobs_job_wait_seconds_count{queue="fast",name="ok"}',
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        'nestjs_jobs_job_wait_seconds_count{queue="fast",name="flaky"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'nestjs_jobs_job_run_seconds_count{queue="fast",name="flaky"}',
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        'nestjs_jobs_job_run_seconds_count{queue="fast",name="boom"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'nestjs_jobs_job_wait_seconds_bucket{le="+Inf",queue="fast",name="ok"}',
      ),
    ).toBe(2);
  });

  it('reads the queue stats once per scrape, not once per gauge', async () => {
    t = await boot();
    await t.jobs.enqueueMany(
      Array.from({ length: 20 }, () => ({ name: 'ok' })),
      'fast',
    );
    await waitFor(
      async () => (await t.jobs.stats('fast'))[0].counts.completed === 20,
      10_000,
      '20 jobs',
    );
    const stats = jest.spyOn(t.jobs, 'stats');
    await request(t.url).get('/metrics').expect(200);
    expect(stats).toHaveBeenCalledTimes(1);
    await request(t.url).get('/metrics').expect(200);
    expect(stats).toHaveBeenCalledTimes(2);
  });

  it('uses its own registry by default and the one given when asked, with a custom prefix and path', async () => {
    const registry = new Registry();
    t = await boot(
      JobsMetricsModule.register({
        registry,
        prefix: 'app_jobs_',
        path: 'ops/metrics',
      }),
    );
    expect(t.app.get(JobsMetrics).registry).toBe(registry);
    const res = await request(t.url).get('/ops/metrics').expect(200);
    expect(sample(res.text, 'app_jobs_queue_paused{queue="default"}')).toBe(0);
    await request(t.url).get('/metrics').expect(404);
    expect(
      registry.getSingleMetric('app_jobs_jobs_completed_total'),
    ).toBeDefined();
  });

  it('lets two apps in one process register metrics side by side', async () => {
    t = await boot();
    const other = await boot();
    try {
      expect(other.app.get(JobsMetrics).registry).not.toBe(
        t.app.get(JobsMetrics).registry,
      );
      await request(other.url).get('/metrics').expect(200);
    } finally {
      await other.close();
    }
  });
});
