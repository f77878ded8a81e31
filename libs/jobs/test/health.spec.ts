import request from 'supertest';
import { JobsHealthIndicator, JobsHealthModule } from 'nestjs-jobs/health';
import { JobsWorkerManager } from '../src/workers/jobs-worker.manager';
import {
  bodyOf,
  createHttpApp,
  type HealthBody,
  type HttpTestApp,
} from './support/http-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

describe('JobsHealthIndicator (terminus)', () => {
  let t: HttpTestApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is up when Redis answers and every served queue has a running worker', async () => {
    t = await createHttpApp(
      {
        queues: { default: 1, fast: 2, idle: 1 },
        workers: ['default', 'fast'],
      },
      {
        imports: [JobsHealthModule.register({ path: 'health' })],
        providers: [MonitoringHandlers],
      },
    );
    const body = bodyOf<HealthBody>(
      await request(t.url).get('/health').expect(200),
    );
    expect(body.status).toBe('ok');
    expect(body.info?.jobs).toMatchObject({
      status: 'up',
      redis: { status: 'up' },
      workers: { default: 'up', fast: 'up' },
    });
    // `idle` is not served here, so it is not this process's to check.
    expect(body.info?.jobs?.workers).not.toHaveProperty('idle');
  });

  it('is down, naming the queue, when a served queue has no running worker', async () => {
    t = await createHttpApp(
      { queues: { default: 1, fast: 2 }, workers: ['default', 'fast'] },
      {
        imports: [JobsHealthModule.register({ path: 'health' })],
        providers: [MonitoringHandlers],
      },
    );
    // Stops this process's workers, as a crashed pool would leave it.
    await t.app.get(JobsWorkerManager).onModuleDestroy();
    const body = bodyOf<HealthBody>(
      await request(t.url).get('/health').expect(503),
    );
    expect(body.status).toBe('error');
    expect(body.error?.jobs).toMatchObject({
      status: 'down',
      redis: { status: 'up' },
      workers: { default: 'down', fast: 'down' },
    });
    expect(body.error?.jobs?.message).toMatch(
      /no running worker for queue\(s\) default, fast/,
    );
  });

  it('is down within its timeout when Redis is unreachable', async () => {
    // Port 1 is closed: nothing listens there. No workers, so the answer is about Redis alone.
    t = await createHttpApp(
      {
        connection: 'redis://127.0.0.1:1',
        queues: { default: 1 },
        workers: false,
        enqueueTimeoutMs: 200,
      },
      {
        imports: [
          JobsHealthModule.register({ path: 'health', timeoutMs: 300 }),
        ],
      },
    );
    const started = Date.now();
    const body = bodyOf<HealthBody>(
      await request(t.url).get('/health').expect(503),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(body.error?.jobs?.redis.status).toBe('down');
    expect(body.error?.jobs?.message).toMatch(
      /Redis did not answer PING within 300 ms/,
    );
    const direct = await t.app
      .get(JobsHealthIndicator)
      .isHealthy('queues', 100);
    expect(direct.queues.status).toBe('down');
  });
});
