import {
  bodyOf,
  enqueued,
  errorMessage,
  startDemoApp,
  type DemoApp,
} from './support/demo-app';

import { startPrivateRedis } from '../scripts/private-redis';

const json = { 'content-type': 'application/json' };

describe('Demo API as an enqueue-only process (JOBS_WORKERS=none)', () => {
  let t: DemoApp;
  afterEach(async () => {
    await t?.close();
  });

  it('warns when no live worker serves the queue, and leaves the job waiting', async () => {
    t = await startDemoApp({ workers: false });
    const res = await t.http
      .post('/jobs/backup')
      .set(json)
      .send({ deviceId: 3 })
      .expect(202);
    expect(res.body).toMatchObject({ name: 'backup', queue: 'high_priority' });
    expect(enqueued(res).warning).toBe(
      'No worker process serves queue "high_priority": the job waits until one starts (npm run worker -- high_priority).',
    );
    const info = await t.http.get(`/jobs/${enqueued(res).id}`).expect(200);
    expect(bodyOf<{ status: string }>(info).status).toBe('waiting');
  });

  it('answers 503 when Redis goes away, within the enqueue deadline', async () => {
    // Its own Redis, so stopping it disturbs no other test. (Booting against a closed port would
    // test the same mapping, but app start-up currently waits for Redis: see the report.)
    const redis = await startPrivateRedis();
    try {
      t = await startDemoApp({
        connection: redis.url,
        enqueueTimeoutMs: 500,
        workers: false,
      });
      await redis.stop();
      const started = Date.now();
      const res = await t.http
        .post('/jobs/backup')
        .set(json)
        .send({ deviceId: 1 })
        .expect(503);
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'JobsConnectionError',
        message: expect.any(String),
      });
      expect(errorMessage(res)).toMatch(
        /^Redis did not answer within 500 ms, so nothing was enqueued/,
      );
      // Bounded, not hanging; generous for a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);

      const read = await t.http.get('/jobs/some-id').expect(503);
      expect(errorMessage(read)).toMatch(/so the job could not be read/);
    } finally {
      await t?.close();
      await redis.stop();
    }
  });
});
