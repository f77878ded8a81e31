import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { DEMO_ADMIN_TOKEN } from '../src/app.module';
import { startDemoApp, testRedisUrl, type DemoApp } from './support/demo-app';

// Issue 12, item 6: bull-board's state-changing API under /admin/queues takes no request a cross-site
// page could make with the browser's saved Basic login. Real HTTP against the demo app on a real port.
const QUEUES = ['default', 'high_priority', 'low_priority'];
const BASIC = `Basic ${Buffer.from(`admin:${DEMO_ADMIN_TOKEN}`).toString('base64')}`;
const EVIL = 'https://evil.example';

describe('dashboard /admin/queues: same-origin proof for state-changing requests', () => {
  let t: DemoApp;
  let base: string;
  let waitingId: string;
  let delayedId: string;
  const http = () => request(base);

  /** Job counts, paused flags and every key under the prefix: equal before and after proves nothing changed. */
  async function snapshot() {
    const redis = new Redis(testRedisUrl());
    try {
      const keys = (await redis.keys(`${t.prefix}:*`)).sort();
      const queues = await Promise.all(
        QUEUES.map(async (name) => {
          const queue = t.app.get<Queue>(getQueueToken(name));
          return {
            name,
            counts: await queue.getJobCounts(),
            paused: await queue.isPaused(),
          };
        }),
      );
      return { jobs: await t.countJobs(), keys, queues };
    } finally {
      redis.disconnect();
    }
  }

  beforeAll(async () => {
    // No workers: every job stays where the test put it, so any change is one a request made.
    t = await startDemoApp({ workers: false });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    waitingId = (
      await t.jobs.enqueue({ name: 'backup', data: { deviceId: 1 } })
    ).id;
    delayedId = (
      await t.jobs.enqueue({
        name: 'backup',
        data: { deviceId: 2 },
        options: { delay: 3_600_000 },
      })
    ).id;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  // Every state-changing bull-board route, with a body where it takes one.
  const routes = (): Array<
    [method: 'post' | 'put' | 'patch', path: string, body?: object]
  > => [
    [
      'post',
      '/api/queues/high_priority/add',
      {
        name: 'backup',
        data: { deviceId: 666 },
        options: { jobId: 'attacker' },
      },
    ],
    ['put', '/api/queues/high_priority/pause'],
    ['put', '/api/queues/pause', { queues: QUEUES }],
    ['put', '/api/queues/high_priority/retry/failed'],
    ['put', '/api/queues/high_priority/promote'],
    ['put', '/api/queues/high_priority/clean/waiting'],
    ['put', '/api/queues/high_priority/empty'],
    ['put', '/api/queues/high_priority/obliterate'],
    ['put', `/api/queues/high_priority/${waitingId}/clean`],
    ['put', `/api/queues/high_priority/${delayedId}/promote`],
    [
      'patch',
      `/api/queues/high_priority/${waitingId}/update-data`,
      { data: { deviceId: 666 } },
    ],
    ['put', '/api/queues/high_priority/concurrency', { concurrency: 99 }],
  ];

  it('refuses a cross-site form POST to add a job with 403, the browser having sent the saved Basic login, and enqueues nothing', async () => {
    const before = await snapshot();
    const res = await http()
      .post('/admin/queues/api/queues/high_priority/add')
      .set('Authorization', BASIC)
      .set('Origin', EVIL)
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      // What <form method=post> fields name=backup, data[deviceId]=666, options[jobId]=attacker send.
      .send('name=backup&data%5BdeviceId%5D=666&options%5BjobId%5D=attacker');
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/cross-site/i);
    expect(await snapshot()).toEqual(before);
    expect(await t.jobs.get('attacker')).toBeNull();
  });

  it('refuses every state-changing route from another origin, or with no same-origin proof at all, and changes nothing', async () => {
    const before = await snapshot();
    const proofs: Array<[what: string, headers: Record<string, string>]> = [
      ['Origin of another site', { Origin: EVIL }],
      ['Origin "null" (sandboxed frame, data: URL)', { Origin: 'null' }],
      ['same host, another port', { Origin: base.replace(/:\d+$/, ':1') }],
      [
        'same host, https instead of http',
        { Origin: base.replace('http:', 'https:') },
      ],
      [
        'no Origin, Sec-Fetch-Site cross-site',
        { 'Sec-Fetch-Site': 'cross-site' },
      ],
      [
        'no Origin, Sec-Fetch-Site same-site',
        { 'Sec-Fetch-Site': 'same-site' },
      ],
      ['no Origin, Referer of another site', { Referer: `${EVIL}/page` }],
      [
        'no Origin, Referer of a look-alike host',
        { Referer: `${base}.evil.example/admin/queues` },
      ],
      ['no proof at all', {}],
    ];
    for (const [method, path, body] of routes()) {
      for (const [what, headers] of proofs) {
        const res = await http()
          [method](`/admin/queues${path}`)
          .set('Authorization', BASIC)
          .set(headers)
          .send(body);
        expect([method, path, what, res.status]).toEqual([
          method,
          path,
          what,
          403,
        ]);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses form, multipart and text/plain bodies with 415 even from the same origin, and changes nothing', async () => {
    const before = await snapshot();
    const add = () =>
      http()
        .post('/admin/queues/api/queues/high_priority/add')
        .set('Authorization', BASIC)
        .set('Origin', base);
    const refused = [
      add().type('form').send('name=backup&data=%7B%7D'),
      add()
        .set('Content-Type', 'text/plain')
        .send('{"name":"backup","data":{"deviceId":5}}'),
      add().field('name', 'backup'),
      // A script with the bearer token is exempt from the origin check, not from JSON.
      http()
        .post('/admin/queues/api/queues/high_priority/add')
        .set('Authorization', `Bearer ${DEMO_ADMIN_TOKEN}`)
        .type('form')
        .send('name=backup'),
    ];
    for (const attempt of refused) expect((await attempt).status).toBe(415);
    expect(await snapshot()).toEqual(before);
  });

  it("still serves the dashboard's own same-origin calls and bearer-token scripts", async () => {
    const before = await t.countJobs();
    // What the dashboard's own JavaScript sends: Origin of the page, JSON body.
    const added = await http()
      .post('/admin/queues/api/queues/high_priority/add')
      .set('Authorization', BASIC)
      .set('Origin', base)
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ name: 'backup', data: { deviceId: 11 } });
    expect(added.status).toBe(200);
    expect(await t.countJobs()).toBe(before + 1);

    // A body-less PUT (pause), proved by Sec-Fetch-Site alone, then by Referer alone.
    await http()
      .put('/admin/queues/api/queues/low_priority/pause')
      .set('Authorization', BASIC)
      .set('Sec-Fetch-Site', 'same-origin')
      .expect(200);
    expect(
      await t.app.get<Queue>(getQueueToken('low_priority')).isPaused(),
    ).toBe(true);
    await http()
      .put('/admin/queues/api/queues/low_priority/resume')
      .set('Authorization', BASIC)
      .set('Referer', `${base}/admin/queues/queue/low_priority`)
      .expect(200);
    expect(
      await t.app.get<Queue>(getQueueToken('low_priority')).isPaused(),
    ).toBe(false);

    // A script with the bearer token needs no Origin: a cross-site page cannot set Authorization without a preflight.
    await http()
      .post('/admin/queues/api/queues/default/add')
      .set('Authorization', `Bearer ${DEMO_ADMIN_TOKEN}`)
      .send({ name: 'report', data: { kind: 'inventory' } })
      .expect(200);
    expect(await t.countJobs()).toBe(before + 2);

    // Reads are not state-changing: a GET needs no proof.
    await http()
      .get('/admin/queues/api/queues')
      .set('Authorization', BASIC)
      .expect(200);
  });

  it('still asks for credentials first: no login is 401, a wrong bearer token 403', async () => {
    await http()
      .post('/admin/queues/api/queues/high_priority/add')
      .set('Origin', EVIL)
      .type('form')
      .send('name=x')
      .expect(401);
    await http()
      .put('/admin/queues/api/queues/high_priority/pause')
      .set('Authorization', `Bearer ${DEMO_ADMIN_TOKEN}x`)
      .expect(403);
  });
});
