import Redis from 'ioredis';
import request from 'supertest';
import {
  createAdminTokenCheck,
  JobsAdminModule,
  JobsConfigurationError,
} from 'nestjs-jobs';
import { JobsAdminAuth } from '../src/admin/jobs-admin-auth';
import { redisUrl } from './support/test-app';
import {
  bodyOf,
  createHttpApp,
  type ErrorBody,
  type HttpTestApp,
} from './support/http-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

// Issue 12, items 6 and 10: the admin API takes the bearer token only (no Basic, cookie or query
// string a browser could attach or leak cross-site), JSON bodies only, and a token of 16+ characters.
const TOKEN = 'admin-security-test-token-0123456789';
const BASE = '/ops/jobs';

describe('JobsAdminModule security (REST, real Redis)', () => {
  let t: HttpTestApp;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const api = () => request(t.url);

  /** Every key under the app's prefix and each queue's paused flag: equal before and after proves nothing changed. */
  async function snapshot(): Promise<{
    keys: string[];
    paused: boolean[];
    counts: unknown[];
  }> {
    const redis = new Redis(redisUrl());
    try {
      // The heartbeat hash is rewritten every interval whatever the request does; no workers here, so it is absent.
      const keys = (await redis.keys(`${t.prefix}:*`)).sort();
      const stats = await t.jobs.stats();
      return {
        keys,
        paused: stats.map((s) => s.paused),
        counts: stats.map((s) => s.counts),
      };
    } finally {
      redis.disconnect();
    }
  }

  beforeEach(async () => {
    // No workers: jobs stay waiting, so any change would be one a request made.
    t = await createHttpApp(
      { queues: { default: 1, idle: 1 }, workers: false },
      {
        imports: [JobsAdminModule.register({ path: 'ops/jobs', token: TOKEN })],
        providers: [MonitoringHandlers],
      },
    );
  });

  afterEach(async () => {
    await t.close();
  });

  it('accepts the token only as a bearer header: Basic, a cookie or a query parameter get 401 and change nothing', async () => {
    const job = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const before = await snapshot();
    const basic = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
    const attempts = [
      api().post(`${BASE}/queues/idle/pause`).set('Authorization', basic),
      api()
        .post(`${BASE}/queues/idle/pause`)
        .set('Cookie', `token=${TOKEN}; authorization=Bearer%20${TOKEN}`),
      api().post(
        `${BASE}/queues/idle/pause?token=${TOKEN}&access_token=${TOKEN}`,
      ),
      api()
        .post(`${BASE}/jobs/${job.id}/cancel`)
        .set('Cookie', `Authorization=Bearer ${TOKEN}`)
        .send({ reason: 'x' }),
    ];
    for (const attempt of attempts) expect((await attempt).status).toBe(401);
    expect(await snapshot()).toEqual(before);
    expect((await t.jobs.get(job.id))?.status).toBe('waiting');
  });

  it('refuses form-encoded, multipart and text/plain bodies with 415, even with the token, and changes nothing', async () => {
    const job = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    const before = await snapshot();
    const refused = [
      api()
        .post(`${BASE}/jobs/${job.id}/cancel`)
        .set(auth)
        .type('form')
        .send('reason=cross-site'),
      api()
        .post(`${BASE}/jobs/${job.id}/cancel`)
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send('{"reason":"x"}'),
      api()
        .post(`${BASE}/jobs/${job.id}/cancel`)
        .set(auth)
        .field('reason', 'multipart'),
      api()
        .post(`${BASE}/queues/idle/pause`)
        .set(auth)
        .type('form')
        .send('a=1'),
      api()
        .post(`${BASE}/queues/idle/pause`)
        .set(auth)
        .set('Content-Type', 'text/plain')
        .send('x'),
    ];
    for (const attempt of refused) {
      const res = await attempt;
      expect([res.status, bodyOf<ErrorBody>(res).message]).toEqual([
        415,
        expect.stringMatching(/application\/json/),
      ]);
    }
    expect(await snapshot()).toEqual(before);
    expect((await t.jobs.get(job.id))?.status).toBe('waiting');
  });

  it('still takes JSON bodies and bodiless POSTs with the token', async () => {
    const job = await t.jobs.enqueue({ name: 'ok' }, 'idle');
    await api().post(`${BASE}/queues/idle/pause`).set(auth).expect(200);
    await api()
      .post(`${BASE}/queues/idle/resume`)
      .set(auth)
      .set('Content-Type', 'application/json')
      .send({})
      .expect(200);
    await api()
      .post(`${BASE}/jobs/${job.id}/cancel`)
      .set(auth)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ reason: 'by the operator' }))
      .expect(200, { id: job.id, outcome: 'removed' });
  });
});

describe('JobsAdminModule token length', () => {
  it('refuses a token under 16 characters at register(), naming the option and the fix, without echoing it', () => {
    for (const token of ['x', 'short-token', '123456789012345']) {
      let error: unknown;
      try {
        JobsAdminModule.register({ token });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(JobsConfigurationError);
      const message = (error as Error).message;
      expect(message).toMatch(/JobsAdminModule `token`/);
      expect(message).toMatch(/at least 16 characters/);
      expect(message).toMatch(/openssl rand/);
      expect(message).not.toContain(token);
    }
    expect(() =>
      JobsAdminModule.register({ token: '1234567890abcdef' }),
    ).not.toThrow();
  });

  it('refuses a short token where registerAsync and a dashboard check it: JobsAdminAuth', () => {
    // registerAsync's token reaches JobsAdminAuth's constructor at boot; the demo's dashboard builds one too.
    expect(() => new JobsAdminAuth({ token: 'too-short' })).toThrow(
      JobsConfigurationError,
    );
    expect(() => new JobsAdminAuth({ token: 'too-short' })).toThrow(
      /at least 16 characters/,
    );
    expect(new JobsAdminAuth({ token: TOKEN }).check(`Bearer ${TOKEN}`)).toBe(
      'ok',
    );
    // The public check a dashboard uses (createAdminTokenCheck) applies the same rule.
    expect(() => createAdminTokenCheck('too-short')).toThrow(
      /at least 16 characters/,
    );
    expect(createAdminTokenCheck(TOKEN)(`Bearer ${TOKEN}`)).toBe('ok');
    expect(createAdminTokenCheck(TOKEN)(`Bearer ${TOKEN}x`)).toBe('wrong');
  });
});
