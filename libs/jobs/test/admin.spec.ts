import request from 'supertest';
import { JobsAdminModule, JobsConfigurationError } from 'nestjs-jobs';
import { waitFor } from './support/test-app';
import {
  bodyOf,
  createHttpApp,
  type ErrorBody,
  type HttpTestApp,
} from './support/http-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

const TOKEN = 's3cret-admin-token-for-tests';
const BASE = '/ops/jobs';

/** GET /queues/:queue/jobs, as JSON. */
interface JobPageBody {
  total: number;
  jobs: Array<{ id: string; finishedAt: string }>;
}
const message = (res: { body: unknown }) => bodyOf<ErrorBody>(res).message;

describe('JobsAdminModule (REST, real Redis)', () => {
  let t: HttpTestApp;
  let handlers: MonitoringHandlers;
  const api = () => request(t.url);
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = (path: string) => api().get(`${BASE}${path}`).set(auth);
  const post = (path: string, body?: object) =>
    api().post(`${BASE}${path}`).set(auth).send(body);
  const text = (message: unknown) =>
    Array.isArray(message) ? message.join('; ') : String(message);
  const statusOf = async (id: string) => (await t.jobs.get(id))?.status;

  beforeEach(async () => {
    // `idle` has no worker, so its jobs stay where the test put them.
    t = await createHttpApp(
      {
        queues: { default: 1, fast: 2, idle: 1 },
        workers: ['default', 'fast'],
        heartbeatIntervalMs: 200,
      },
      {
        imports: [JobsAdminModule.register({ path: 'ops/jobs', token: TOKEN })],
        providers: [MonitoringHandlers],
      },
    );
    handlers = t.app.get(MonitoringHandlers);
  });

  afterEach(async () => {
    handlers.releaseAll();
    await t.close();
  });

  describe('authentication', () => {
    const routes: Array<['get' | 'post', string]> = [
      ['get', '/queues'],
      ['get', '/queues/idle'],
      ['get', '/queues/idle/jobs?status=waiting'],
      ['post', '/queues/idle/pause'],
      ['post', '/queues/idle/resume'],
      ['get', '/jobs/JOB'],
      ['post', '/jobs/JOB/retry'],
      ['post', '/jobs/JOB/cancel'],
      ['get', '/workers'],
    ];

    it('answers 401 without credentials and 403 with a wrong token on every route, changing nothing', async () => {
      const job = await t.jobs.enqueue({ name: 'ok' }, 'idle');
      for (const [method, path] of routes) {
        const url = `${BASE}${path.replace('JOB', job.id)}`;
        const none = await api()[method](url);
        expect([method, path, none.status]).toEqual([method, path, 401]);
        expect(none.headers['www-authenticate']).toBe('Bearer');
        expect(message(none)).toMatch(/Authorization: Bearer/);
        const basic = await api()
          [method](url)
          .set(
            'Authorization',
            `Basic ${Buffer.from(`a:${TOKEN}`).toString('base64')}`,
          );
        expect([path, basic.status]).toEqual([path, 401]);
        const wrong = await api()
          [method](url)
          .set('Authorization', `Bearer ${TOKEN}x`);
        expect([path, wrong.status]).toEqual([path, 403]);
        expect(message(wrong)).toMatch(/not the admin token/);
      }
      // Neither the pause nor the cancel went through.
      expect(await statusOf(job.id)).toBe('waiting');
      expect((await t.jobs.stats('idle'))[0].paused).toBe(false);
    });

    it('refuses a missing, empty or spaced token and a bad path, naming the problem', () => {
      for (const token of [undefined, '', 'two words']) {
        expect(() => JobsAdminModule.register({ token } as never)).toThrow(
          JobsConfigurationError,
        );
        expect(() => JobsAdminModule.register({ token } as never)).toThrow(
          /JobsAdminModule needs a token/,
        );
      }
      expect(() =>
        JobsAdminModule.register({ token: TOKEN, path: 'has space' }),
      ).toThrow(/not a URL path/);
    });
  });

  it('lists every queue with its stats, and one queue alone', async () => {
    await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const all = await get('/queues').expect(200);
    const { queues } = bodyOf<{ queues: Array<{ queue: string }> }>(all);
    expect(queues.map((q) => q.queue)).toEqual(['default', 'fast', 'idle']);
    const idle = await get('/queues/idle').expect(200);
    expect(idle.body).toMatchObject({
      queue: 'idle',
      counts: { waiting: 1 },
      paused: false,
      concurrency: 1,
      workers: 0,
    });
  });

  it('lists jobs by status, paginated, newest finished first', async () => {
    const refs = [];
    for (let i = 0; i < 5; i++)
      refs.push(await t.jobs.enqueue({ name: 'boom', data: { i } }, 'fast'));
    await waitFor(
      async () => (await t.jobs.stats('fast'))[0].counts.failed === 5,
      10_000,
      '5 failed jobs',
    );
    const page1 = await get(
      '/queues/fast/jobs?status=failed&page=1&pageSize=2',
    ).expect(200);
    expect(page1.body).toMatchObject({
      queue: 'fast',
      status: 'failed',
      page: 1,
      pageSize: 2,
      total: 5,
    });
    expect(bodyOf<JobPageBody>(page1).jobs).toHaveLength(2);
    expect(bodyOf<JobPageBody>(page1).jobs[0]).toMatchObject({
      name: 'boom',
      status: 'failed',
      error: 'boom on purpose',
      attemptsMade: 1,
    });
    const page3 = await get(
      '/queues/fast/jobs?status=failed&page=3&pageSize=2',
    ).expect(200);
    expect(bodyOf<JobPageBody>(page3).jobs).toHaveLength(1);
    const all = bodyOf<JobPageBody>(
      await get('/queues/fast/jobs?status=failed&pageSize=100').expect(200),
    );
    const ids = all.jobs.map((j) => j.id);
    expect(new Set(ids)).toEqual(new Set(refs.map((r) => r.id)));
    const finished = all.jobs.map((j) => Date.parse(j.finishedAt));
    expect(finished).toEqual([...finished].sort((a, b) => b - a));
    expect(
      (await get('/queues/fast/jobs?status=completed').expect(200)).body,
    ).toMatchObject({ total: 0, jobs: [] });
  });

  it('lists waiting jobs in run order across prioritized and plain jobs, page by page', async () => {
    const plain1 = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const plain2 = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const urgent = await t.jobs.enqueue(
      { name: 'ok', options: { priority: 1 } },
      'idle',
    );
    const pages: JobPageBody[] = [];
    for (const page of [1, 2, 3])
      pages.push(
        bodyOf<JobPageBody>(
          await get(
            `/queues/idle/jobs?status=waiting&page=${page}&pageSize=1`,
          ).expect(200),
        ),
      );
    expect(pages.map((p) => p.total)).toEqual([3, 3, 3]);
    expect(pages.map((p) => p.jobs[0].id)).toEqual([
      urgent.id,
      plain1.id,
      plain2.id,
    ]);
  });

  it('shows a job with its progress and logs, and 404 for an unknown id', async () => {
    const held = await t.jobs.enqueue({ name: 'hold' }, 'default');
    await waitFor(
      () => handlers.started.has(held.id),
      10_000,
      'the held job to start',
    );
    const detail = await get(`/jobs/${held.id}`).expect(200);
    expect(detail.body).toMatchObject({
      id: held.id,
      name: 'hold',
      queue: 'default',
      status: 'active',
      progress: 40,
      logs: ['holding'],
    });
    const missing = await get('/jobs/no-such-job').expect(404);
    expect(message(missing)).toMatch(
      /No queue holds a job with id "no-such-job"/,
    );
  });

  it('retries a failed job; 409 for a job that is not failed, 404 for an unknown one', async () => {
    const failed = await t.jobs.enqueue({ name: 'boom' }, 'fast');
    const first = await waitFor(
      async () => {
        const info = await t.jobs.get(failed.id);
        return info?.status === 'failed' ? info : null;
      },
      10_000,
      'the job to fail',
    );
    expect((await post(`/jobs/${failed.id}/retry`).expect(200)).body).toEqual({
      id: failed.id,
      outcome: 'retried',
    });
    // It ran again: it fails again, later than the first time.
    await waitFor(
      async () => {
        const info = await t.jobs.get(failed.id);
        return info?.status === 'failed' && info.finishedAt! > first.finishedAt!
          ? info
          : null;
      },
      10_000,
      'the retried job to run and fail again',
    );

    const waiting = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const conflict = await post(`/jobs/${waiting.id}/retry`).expect(409);
    expect(message(conflict)).toMatch(/is not failed/);
    expect(await statusOf(waiting.id)).toBe('waiting');
    await post('/jobs/no-such-job/retry').expect(404);
  });

  it('cancels a waiting job by removing it and a running one through its signal', async () => {
    const waiting = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    expect((await post(`/jobs/${waiting.id}/cancel`).expect(200)).body).toEqual(
      { id: waiting.id, outcome: 'removed' },
    );
    expect(await t.jobs.get(waiting.id)).toBeNull();

    const held = await t.jobs.enqueue({ name: 'hold' }, 'default');
    await waitFor(
      () => handlers.started.has(held.id),
      10_000,
      'the held job to start',
    );
    const res = await post(`/jobs/${held.id}/cancel`, {
      reason: 'operator said so',
    }).expect(200);
    expect(res.body).toEqual({ id: held.id, outcome: 'signalled' });
    const ended = await waitFor(
      async () => {
        const info = await t.jobs.get(held.id);
        return info?.status === 'failed' ? info : null;
      },
      10_000,
      'the cancelled job to end',
    );
    expect(ended.error).toMatch(/operator said so/);

    const conflict = await post(`/jobs/${held.id}/cancel`).expect(409);
    expect(message(conflict)).toMatch(/already finished/);
    await post('/jobs/no-such-job/cancel').expect(404);
  });

  it('pauses and resumes a queue', async () => {
    expect((await post('/queues/fast/pause').expect(200)).body).toEqual({
      queue: 'fast',
      paused: true,
    });
    const job = await t.jobs.enqueue({ name: 'ok' }, 'fast');
    expect(
      bodyOf<{ paused: boolean }>(await get('/queues/fast').expect(200)).paused,
    ).toBe(true);
    // Paused: the worker leaves it waiting (generous wait, the job would normally finish in ms).
    await new Promise((r) => setTimeout(r, 300));
    expect(await statusOf(job.id)).toBe('waiting');
    expect((await post('/queues/fast/resume').expect(200)).body).toEqual({
      queue: 'fast',
      paused: false,
    });
    await waitFor(
      async () => (await statusOf(job.id)) === 'completed',
      10_000,
      'the job to run after resume',
    );
  });

  it('lists live worker processes with their queues', async () => {
    const { workers } = await waitFor(
      async () => {
        const r = bodyOf<{ workers: unknown[] }>(
          await get('/workers').expect(200),
        );
        return r.workers.length > 0 ? r : null;
      },
      10_000,
      'the heartbeat',
    );
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({
      pid: process.pid,
      queues: ['default', 'fast'],
      concurrency: { default: 1, fast: 2 },
    });
  });

  describe('bad input: 400 naming the problem, and nothing changes', () => {
    it.each([
      [
        '/queues/idle/jobs',
        /status must be one of waiting, active, delayed, completed, failed/,
      ],
      ['/queues/idle/jobs?status=bogus', /status must be one of/],
      [
        '/queues/idle/jobs?status=waiting&page=0',
        /page must be a whole number from 1/,
      ],
      [
        '/queues/idle/jobs?status=waiting&page=abc',
        /page must be a whole number from 1/,
      ],
      [
        '/queues/idle/jobs?status=waiting&pageSize=101',
        /pageSize must be a whole number from 1 to 100/,
      ],
      [
        '/queues/idle/jobs?status=waiting&sort=asc',
        /property sort should not exist/,
      ],
      [
        '/queues/nope/jobs?status=waiting',
        /Queue "nope" is not configured\. Configured queues: default, fast, idle/,
      ],
      ['/queues/nope', /Queue "nope" is not configured/],
      ['/queues/a%20b', /queue must be a queue name/],
      ['/jobs/a:b', /id must be a job id/],
    ])('GET %s', async (path, expected) => {
      const res = await get(path).expect(400);
      expect(text(message(res))).toMatch(expected);
    });

    it('rejects bad pause, resume, retry and cancel requests without touching any job or queue', async () => {
      const job = await t.jobs.enqueue({ name: 'ok' }, 'idle');
      const cases: Array<[string, object | undefined, RegExp]> = [
        ['/queues/nope/pause', undefined, /Queue "nope" is not configured/],
        ['/queues/x:y/pause', undefined, /queue must be a queue name/],
        ['/queues/nope/resume', undefined, /Queue "nope" is not configured/],
        ['/jobs/a%20b/retry', undefined, /id must be a job id/],
        [
          `/jobs/${job.id}/cancel`,
          { reason: 'x', force: true },
          /property force should not exist/,
        ],
        [`/jobs/${job.id}/cancel`, { reason: 42 }, /reason must be a string/],
      ];
      for (const [path, body, expected] of cases) {
        const res = await post(path, body);
        expect([path, res.status]).toEqual([path, 400]);
        expect(text(message(res))).toMatch(expected);
      }
      expect(await statusOf(job.id)).toBe('waiting');
      expect((await t.jobs.stats()).map((s) => s.paused)).toEqual([
        false,
        false,
        false,
      ]);
    });
  });
});
