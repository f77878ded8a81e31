import {
  bodyOf,
  enqueued,
  errorMessage,
  type ErrorBody,
  pollJob,
  startDemoApp,
  type DemoApp,
} from './support/demo-app';

const json = { 'content-type': 'application/json' };

describe('Demo API: enqueue over HTTP and read the status', () => {
  let t: DemoApp;

  beforeAll(async () => {
    t = await startDemoApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it("routes each job: its handler's queue, and ?queue= first of all", async () => {
    const backup = await t.http
      .post('/jobs/backup')
      .set(json)
      .send({ deviceId: 1 })
      .expect(202);
    expect(backup.body).toEqual({
      id: expect.any(String),
      name: 'backup',
      queue: 'high_priority',
    });

    const report = await t.http
      .post('/jobs/report')
      .set(json)
      .send({ kind: 'inventory', failAttempts: 0 })
      .expect(202);
    expect(report.body).toMatchObject({ name: 'report', queue: 'reports' });

    const moved = await t.http
      .post('/jobs/backup?queue=default')
      .set(json)
      .send({ deviceId: 2 })
      .expect(202);
    expect(moved.body).toMatchObject({ name: 'backup', queue: 'default' });

    // This process serves every queue, so no "no worker" warning.
    expect(enqueued(backup).warning).toBeUndefined();
    for (const id of [backup, report, moved].map((r) => enqueued(r).id)) {
      await pollJob(t, id, (info) => info.status === 'completed');
    }
  });

  it('runs an urgent backup to completion while slow discoveries fill their queue, and discovery stops on cancel', async () => {
    // low_priority has concurrency 2: two long scans take every slot of it.
    const slow: string[] = [];
    for (const subnet of ['10.0.0.0/24', '10.0.1.0/24']) {
      const res = await t.http
        .post('/jobs/discovery')
        .set(json)
        .send({ subnet, seconds: 30 })
        .expect(202);
      expect(enqueued(res).queue).toBe('low_priority');
      slow.push(enqueued(res).id);
    }
    for (const id of slow)
      await pollJob(t, id, (info) => info.status === 'active');

    const urgent = await t.http
      .post('/jobs/backup')
      .set(json)
      .send({ deviceId: 7, reason: 'before change window' })
      .expect(202);
    const done = await pollJob(
      t,
      enqueued(urgent).id,
      (info) => info.status === 'completed',
    );
    expect(done).toMatchObject({
      name: 'backup',
      queue: 'high_priority',
      result: { deviceId: 7, file: 'backups/device-7.cfg', bytes: 4103 },
      error: null,
      attemptsMade: 1,
      logs: ['backed up device 7 (before change window)'],
    });
    expect(typeof done.finishedAt).toBe('string');

    // The scans were still running when the backup finished, and report progress as they go.
    for (const id of slow) {
      const info = await pollJob(
        t,
        id,
        (i) => typeof i.progress === 'number' && i.progress > 0,
      );
      expect(info.status).toBe('active');
      expect(info.finishedAt).toBeNull();
    }
    // discovery honours ctx.signal: cancelled, it stops at once instead of scanning for 30 s.
    for (const id of slow)
      expect(await t.jobs.cancel(id, 'test over')).toBe('signalled');
    for (const id of slow) {
      const info = await pollJob(t, id, (i) => i.status === 'failed', 10_000);
      expect(info.error).toBe('Job cancelled: test over.');
      expect(info.result).toBeNull();
    }
  });

  it('completes a slow discovery with its result, progress 100 and log', async () => {
    const res = await t.http
      .post('/jobs/discovery')
      .set(json)
      .send({ subnet: '192.168.1.0/24', seconds: 1 })
      .expect(202);
    const info = await pollJob(
      t,
      enqueued(res).id,
      (i) => i.status === 'completed',
    );
    expect(info.progress).toBe(100);
    expect(info.result).toEqual({
      subnet: '192.168.1.0/24',
      hosts: expect.any(Number),
    });
    expect(info.logs).toEqual([
      expect.stringMatching(/^scanned 192\.168\.1\.0\/24: \d+ hosts answered$/),
    ]);
    expect(info.data).toEqual({ subnet: '192.168.1.0/24', seconds: 1 });
  });

  it('retries a failing report and shows the attempts', async () => {
    const ok = await t.http
      .post('/jobs/report')
      .set(json)
      .send({ kind: 'cabling', failAttempts: 1 })
      .expect(202);
    const recovered = await pollJob(
      t,
      enqueued(ok).id,
      (i) => i.status === 'completed',
    );
    expect(recovered.result).toEqual({
      kind: 'cabling',
      rows: 8,
      attempt: 2,
      sites: expect.arrayContaining([
        expect.objectContaining({ site: 'ams', devices: 25_000 }),
      ]),
    });
    expect(recovered.attemptsMade).toBe(2);

    const bad = await t.http
      .post('/jobs/report')
      .set(json)
      .send({ kind: 'ip-usage', failAttempts: 3 })
      .expect(202);
    const failed = await pollJob(
      t,
      enqueued(bad).id,
      (i) => i.status === 'failed',
    );
    expect(failed.attemptsMade).toBe(3);
    expect(failed.error).toBe('report source timed out (attempt 3)');
    expect(failed.result).toBeNull();
  });

  describe('bad requests get 400 with the reason, and nothing is enqueued', () => {
    let before: number;
    beforeEach(async () => {
      before = await t.countJobs();
    });
    afterEach(async () => {
      expect(await t.countJobs()).toBe(before);
    });

    it('unknown job name', async () => {
      const res = await t.http
        .post('/jobs/bakup')
        .set(json)
        .send({ deviceId: 1 })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'UnknownJobError',
        message: `No @JobHandler('bakup') exists in this app, so job "bakup" could never run. Registered job names: backup, discovery, report.`,
      });
    });

    it('unknown queue', async () => {
      const res = await t.http
        .post('/jobs/backup?queue=hgh_priority')
        .set(json)
        .send({ deviceId: 1 })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'UnknownQueueError',
        message:
          'Queue "hgh_priority" is not configured. Configured queues: default, high_priority, low_priority, reports. ' +
          'Add it to JobsModule.forRoot({ queues }) or use one of those.',
      });
    });

    it('invalid payload, naming each bad field', async () => {
      const res = await t.http
        .post('/jobs/backup')
        .set(json)
        .send({ deviceId: 'seven', reason: 5 })
        .expect(400);
      expect(bodyOf<ErrorBody>(res).error).toBe('JobValidationError');
      expect(errorMessage(res)).toMatch(/^Job "backup" has invalid data: /);
      expect(errorMessage(res)).toContain('deviceId must be an integer number');
      expect(errorMessage(res)).toContain('reason must be a string');

      const missing = await t.http
        .post('/jobs/discovery')
        .set(json)
        .send({})
        .expect(400);
      expect(errorMessage(missing)).toContain(
        'subnet must be IPv4 CIDR notation, such as 10.0.0.0/24',
      );
    });

    it('unexpected query parameters and malformed queue names (ValidationPipe on params and query)', async () => {
      const extra = await t.http
        .post('/jobs/backup?priority=1')
        .set(json)
        .send({ deviceId: 1 })
        .expect(400);
      expect(errorMessage(extra)).toEqual([
        'property priority should not exist',
      ]);

      const colon = await t.http
        .post('/jobs/backup?queue=a:b')
        .set(json)
        .send({ deviceId: 1 })
        .expect(400);
      expect(errorMessage(colon)).toEqual([
        'queue must be letters, digits, "_", "-" or "." (at most 100)',
      ]);
    });
  });

  it('answers 404 for an id no queue holds', async () => {
    const res = await t.http
      .get('/jobs/4f0c0c4e-0000-4000-8000-000000000000')
      .expect(404);
    expect(errorMessage(res)).toBe(
      'No job with id "4f0c0c4e-0000-4000-8000-000000000000" (finished jobs are kept for a limited time).',
    );
  });
});
