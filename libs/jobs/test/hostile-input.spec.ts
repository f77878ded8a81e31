import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import request from 'supertest';
import type { Queue } from 'bullmq';
import {
  JobHandler,
  JobsAdminModule,
  JobsConfigurationError,
  JobsModule,
  JobValidationError,
  type JobContext,
  type JobHandlerOptions,
} from 'nestjs-jobs';
import { JobsMetricsModule } from 'nestjs-jobs/metrics';
import {
  countJobs,
  countKeys,
  createJobsApp,
  finished as finishedJob,
  redisUrl,
  uniquePrefix,
  waitFor,
  type JobsTestApp,
} from './support/test-app';
import {
  bodyOf,
  createHttpApp,
  type ErrorBody,
  type HttpTestApp,
} from './support/http-app';
import { MonitoringHandlers } from './support/monitoring-handlers';

/** BullMQ's key names under a queue (bullmq QueueKeys), written out here rather than imported. */
const BULLMQ_KEYS = [
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
  'metrics',
];
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Thrown values a careless handler might throw, by index in job data. */
const THROWN: unknown[] = [undefined, null, 'boom', 42, { code: 'E_PLAIN' }];

@Injectable()
class Handlers {
  @JobHandler('anything')
  anything() {}

  /** Throws `THROWN[data.i]`; two attempts, so retries are seen to apply. */
  @JobHandler('throws', { attempts: 2 })
  throws(data: { i: number }) {
    throw THROWN[data.i];
  }

  @JobHandler('rejects', { attempts: 2 })
  async rejects(data: { i: number }) {
    await Promise.resolve();
    throw THROWN[data.i];
  }

  @JobHandler('returns', { attempts: 2 })
  returns(data: { bytes?: number; bigint?: boolean }, ctx: JobContext) {
    if (data.bigint) return { n: BigInt(1) };
    return { attempt: ctx.attempt, text: 'x'.repeat(data.bytes ?? 0) };
  }
}

const queueOf = (t: { app: JobsTestApp['app'] }, name: string) =>
  t.app.get<Queue>(getQueueToken(name));

/** Every key under `prefix` with a dump of its value, to prove a call changed nothing in Redis. */
async function snapshot(prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(redisUrl());
  try {
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    const out = new Map<string, string>();
    for (const key of keys)
      out.set(
        key,
        ((await redis.dumpBuffer(key)) ?? Buffer.alloc(0)).toString('base64'),
      );
    return out;
  } finally {
    redis.disconnect();
  }
}

describe('caller-chosen jobId (real Redis)', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await createJobsApp({ queues: { default: 1 }, workers: false }, [
      Handlers,
    ]);
  });
  afterAll(() => t.close());

  const expectRejected = async (jobId: unknown, message: RegExp) => {
    const keys = await countKeys(t.prefix);
    const before = await countJobs(t);
    await expect(
      t.jobs.enqueue({ name: 'anything', options: { jobId: jobId as string } }),
    ).rejects.toThrow(JobValidationError);
    await expect(
      t.jobs.enqueue({ name: 'anything', options: { jobId: jobId as string } }),
    ).rejects.toThrow(message);
    await expect(
      t.jobs.enqueueMany([
        { name: 'anything' },
        { name: 'anything', options: { jobId: jobId as string } },
      ]),
    ).rejects.toThrow(/^jobs\[1\]: Job "anything" has an invalid option jobId/);
    expect(await countJobs(t)).toBe(before);
    expect(await countKeys(t.prefix)).toBe(keys);
  };

  it.each(BULLMQ_KEYS)(
    'refuses jobId %j, the name of a BullMQ key, and the queue keeps working',
    async (name) => {
      await expectRejected(
        name,
        new RegExp(
          `invalid option jobId: "${name}" is the name of BullMQ's own "${name}" key in every queue\\. Use 1 to 128`,
        ),
      );
      const ok = await t.jobs.enqueue({
        name: 'anything',
        data: { after: name },
      });
      expect((await t.jobs.get(ok.id))?.data).toEqual({ after: name });
    },
  );

  it.each([
    [
      'a 1 MB id',
      'x'.repeat(1024 * 1024),
      /"x{199}… \(1048578 characters\) is 1048576 characters long, more than 128/,
    ],
    [
      '129 characters',
      'a'.repeat(129),
      /is 129 characters long, more than 128/,
    ],
    ['an integer', '42', /is a number/],
    ['a negative integer', '-5', /is a number/],
    ['only digits', '007', /is a number/],
    ['a ":"', 'a:b', /has characters other than letters, digits/],
    ['a space', 'a b', /has characters other than/],
    ['a "/"', 'a/b', /has characters other than/],
    ['a newline', 'a\nb', /has characters other than/],
    ['empty', '', /is empty/],
    ['a number', 42, /invalid option jobId: 42 is a number, not a string/],
    ['null', null, /is null, not a string/],
  ])(
    'refuses %s with JobValidationError and enqueues nothing',
    async (_what, jobId, message) => {
      await expectRejected(jobId, message);
    },
  );

  it.each([
    'order-42',
    'a'.repeat(128),
    'user@example.com',
    'sha256=abc+def',
    'v1.2_3~x',
    'WAIT',
    'wait2',
    '1e3',
    randomUUID(),
  ])('accepts jobId %j and reads the job back under it', async (jobId) => {
    const ref = await t.jobs.enqueue({
      name: 'anything',
      data: { jobId },
      options: { jobId },
    });
    expect(ref.id).toBe(jobId);
    expect((await t.jobs.get(jobId))?.data).toEqual({ jobId });
  });
});

describe('get() and cancel() never read or change queue internals (real Redis)', () => {
  let t: JobsTestApp;
  let queue: Queue;
  beforeAll(async () => {
    t = await createJobsApp({ queues: { default: 1 }, workers: false }, [
      Handlers,
    ]);
    queue = queueOf(t, 'default');
    // Fill the queue's own keys: a waiting, a delayed and a deduplicated job, on a paused queue.
    await t.jobs.enqueue({ name: 'anything' });
    await t.jobs.enqueue({ name: 'anything', options: { delay: 60_000 } });
    await t.jobs.enqueue({
      name: 'anything',
      options: { uniqueKey: 'nightly', uniqueFor: 60_000 },
    });
    await queue.pause();
  });
  afterAll(() => t.close());

  it('answers null / not-found for every BullMQ key name and other non-ids, and changes nothing', async () => {
    const before = await snapshot(t.prefix);
    expect(before.size).toBeGreaterThan(3);
    const ids = [
      ...BULLMQ_KEYS,
      'de:nightly',
      'de:a:b',
      'repeat:nope',
      'x'.repeat(1024 * 1024),
      '',
      'a:b:c:d',
    ];
    for (const id of ids) {
      expect([id.slice(0, 20), await t.jobs.get(id)]).toEqual([
        id.slice(0, 20),
        null,
      ]);
      expect([id.slice(0, 20), await t.jobs.cancel(id)]).toEqual([
        id.slice(0, 20),
        'not-found',
      ]);
    }
    expect(await snapshot(t.prefix)).toEqual(before);
    expect(await queue.isPaused()).toBe(true);
  });

  it('treats a key that is not a job hash as no job, instead of a Redis WRONGTYPE error', async () => {
    const redis = new Redis(redisUrl());
    try {
      await redis.set(queue.toKey('plain-string'), 'x');
      await redis.rpush(queue.toKey('a-list'), 'x');
      const before = await snapshot(t.prefix);
      for (const id of ['plain-string', 'a-list']) {
        expect(await t.jobs.get(id)).toBeNull();
        expect(await t.jobs.cancel(id)).toBe('not-found');
      }
      expect(await snapshot(t.prefix)).toEqual(before);
    } finally {
      await redis.del(queue.toKey('plain-string'), queue.toKey('a-list'));
      redis.disconnect();
    }
  });

  it('still reads jobs with BullMQ-numbered ids and schedule ids (repeat:<scheduler>:<ms>)', async () => {
    const numbered = await queue.add('anything', { raw: 1 });
    expect(numbered.id).toMatch(/^\d+$/);
    await queue.add(
      'anything',
      { raw: 2 },
      { jobId: 'repeat:nightly:1767225600000' },
    );
    expect((await t.jobs.get(numbered.id!))?.data).toEqual({ raw: 1 });
    expect((await t.jobs.get('repeat:nightly:1767225600000'))?.data).toEqual({
      raw: 2,
    });
  });
});

describe('admin API: ids and numbers it cannot take (real Redis)', () => {
  const TOKEN = 'hostile-input-admin-token-0123456789';
  let t: HttpTestApp;
  let queue: Queue;
  const get = (path: string) =>
    request(t.url)
      .get(`/admin/jobs${path}`)
      .set('Authorization', `Bearer ${TOKEN}`);
  const post = (path: string) =>
    request(t.url)
      .post(`/admin/jobs${path}`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({});

  beforeAll(async () => {
    t = await createHttpApp(
      { queues: { default: 1 }, workers: false },
      {
        imports: [JobsAdminModule.register({ token: TOKEN })],
        providers: [Handlers],
      },
    );
    queue = queueOf(t, 'default');
    await t.jobs.enqueue({ name: 'anything' });
    await queue.pause();
  });
  afterAll(() => t.close());

  it('answers 404 to jobs/:id, retry and cancel of a BullMQ key name, and changes nothing', async () => {
    const before = await snapshot(t.prefix);
    for (const id of BULLMQ_KEYS) {
      expect([id, (await get(`/jobs/${id}`)).status]).toEqual([id, 404]);
      expect([id, (await post(`/jobs/${id}/retry`)).status]).toEqual([id, 404]);
      expect([id, (await post(`/jobs/${id}/cancel`)).status]).toEqual([
        id,
        404,
      ]);
    }
    expect(await snapshot(t.prefix)).toEqual(before);
    expect(await queue.isPaused()).toBe(true);
  });

  it('answers 400 naming the limit for an over-long id', async () => {
    const res = await get(`/jobs/${'x'.repeat(1025)}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(bodyOf<ErrorBody>(res).message)).toMatch(
      /id must be shorter than or equal to 1024 characters/,
    );
  });

  it.each([
    ['page=1e21', /page must be a whole number from 1 to 1000000/],
    ['page=1000001', /page must be a whole number from 1 to 1000000/],
    ['page=-1', /page must be a whole number from 1 to 1000000/],
    ['page=0', /page must be a whole number from 1 to 1000000/],
    ['page=1.5', /page must be a whole number from 1 to 1000000/],
    ['page=abc', /page must be a whole number/],
    ['page=Infinity', /page must be a whole number/],
    ['page=NaN', /page must be a whole number/],
    ['page=', /page must be a whole number/],
    ['page=1&page=2', /page must be a whole number/],
    ['pageSize=1e21', /pageSize must be a whole number from 1 to 100/],
    ['pageSize=-5', /pageSize must be a whole number from 1 to 100/],
    ['pageSize=2.5', /pageSize must be a whole number from 1 to 100/],
    [
      'pageSize=99999999999999999999999',
      /pageSize must be a whole number from 1 to 100/,
    ],
  ])('answers 400 with a reason to ?%s, never 500', async (query, reason) => {
    const res = await get(`/queues/default/jobs?status=waiting&${query}`);
    expect([query, res.status]).toEqual([query, 400]);
    expect(JSON.stringify(bodyOf<ErrorBody>(res).message)).toMatch(reason);
  });

  it('serves the last allowed page (empty) rather than failing', async () => {
    const res = await get(
      '/queues/default/jobs?status=waiting&page=1000000&pageSize=100',
    ).expect(200);
    expect(res.body).toMatchObject({
      page: 1_000_000,
      pageSize: 100,
      total: 1,
      jobs: [],
    });
  });
});

describe('handlers that throw something other than an Error (real Redis)', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await createJobsApp({ queues: { default: 4 } }, [Handlers]);
  });
  afterAll(() => t.close());

  it.each([
    ['throws', 0, 'undefined'],
    ['throws', 1, 'null'],
    ['throws', 2, '"boom"'],
    ['throws', 3, '42'],
    ['throws', 4, '{"code":"E_PLAIN"}'],
    ['rejects', 0, 'undefined'],
    ['rejects', 1, 'null'],
    ['rejects', 2, '"boom"'],
  ])(
    '%s THROWN[%i]: the job fails after its retries with the value in its error, never stays active',
    async (name, i, shown) => {
      const ref = await t.jobs.enqueue({ name, data: { i } });
      const info = await waitFor(
        async () => {
          const job = await t.jobs.get(ref.id);
          return job?.status === 'failed' ? job : null;
        },
        15_000,
        `job ${name}#${i} to fail`,
      );
      expect(info.error).toBe(
        `Handler threw a non-Error value: ${shown}. Throw an Error (new Error("...")) so the failure keeps a message and a stack.`,
      );
      expect(info.attemptsMade).toBe(2);
    },
  );
});

describe('result size (real Redis)', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await createJobsApp({ queues: { default: 2 }, maxPayloadBytes: 4096 }, [
      Handlers,
    ]);
  });
  afterAll(() => t.close());

  const finished = (id: string) => finishedJob(t, id, 15_000);

  it('fails an attempt whose result is over maxPayloadBytes with JobResultTooLargeError, retries apply, nothing large is stored', async () => {
    const ref = await t.jobs.enqueue({
      name: 'returns',
      data: { bytes: 10_000 },
    });
    const info = await finished(ref.id);
    expect(info.status).toBe('failed');
    expect(info.result).toBeNull();
    expect(info.attemptsMade).toBe(2);
    expect(info.error).toMatch(
      /^Job "returns" returned a result of 100\d\d bytes, more than maxPayloadBytes \(4096\), so it was not stored/,
    );
    const raw = await queueOf(t, 'default').getJob(ref.id);
    expect(raw?.stacktrace?.join('\n')).toMatch(/JobResultTooLargeError/);
  });

  it('stores a result just under the bound', async () => {
    const ref = await t.jobs.enqueue({
      name: 'returns',
      data: { bytes: 4000 },
    });
    const info = await finished(ref.id);
    expect(info.status).toBe('completed');
    expect((info.result as { text: string }).text).toHaveLength(4000);
  });

  it('fails an attempt whose result JSON cannot store, naming why', async () => {
    const ref = await t.jobs.enqueue({
      name: 'returns',
      data: { bigint: true },
    });
    const info = await finished(ref.id);
    expect(info.status).toBe('failed');
    expect(info.error).toMatch(
      /^Job "returns" returned a result JSON cannot store \(.*BigInt.*\)/,
    );
  });
});

describe('upper bounds on numeric options (real Redis)', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await createJobsApp({ queues: { default: 1 }, workers: false }, [
      Handlers,
    ]);
  });
  afterAll(() => t.close());

  it.each([
    [
      { delay: 1e300 },
      /invalid option delay: 1e\+300 is more than 31536000000 ms \(a year\)/,
    ],
    [
      { delay: YEAR_MS + 1 },
      /invalid option delay: 31536000001 is more than 31536000000 ms/,
    ],
    [
      { delay: Number.NaN },
      /invalid option delay: null\. Expected a non-negative integer/,
    ],
    [{ delay: Infinity }, /invalid option delay/],
    [
      { runAt: new Date(Date.now() + 2 * YEAR_MS) },
      /invalid option runAt: ".*"\. Expected a time at most a year from now/,
    ],
    [{ attempts: 1001 }, /invalid option attempts: 1001 is more than 1000/],
    [{ attempts: 1e300 }, /invalid option attempts: 1e\+300 is more than 1000/],
    [
      { attempts: -1 },
      /invalid option attempts: -1\. Expected a positive integer/,
    ],
    [
      { timeout: MAX_TIMEOUT_MS + 1 },
      /invalid option timeout: 2147483648 is more than 2147483647 ms \(about 24\.8 days\), setTimeout's limit/,
    ],
    [{ timeout: 1e300 }, /invalid option timeout: 1e\+300/],
    [{ timeout: 1.5 }, /invalid option timeout: 1\.5/],
    [
      { backoff: 1e300 },
      /invalid option backoff\.delay: 1e\+300 is more than 31536000000 ms/,
    ],
    [
      { backoff: { type: 'fixed', delay: 1e300 } },
      /invalid option backoff\.delay: 1e\+300 is more than/,
    ],
    [
      { backoff: { type: 'fixed', delay: -1 } },
      /invalid option backoff\.delay: -1/,
    ],
    [
      { backoff: { type: 'fixed', delay: 10, jitter: 5 } },
      /invalid option backoff\.jitter: 5\. Expected a number from 0 to 1/,
    ],
    [
      { backoff: { type: 'fixed', delay: 10, evil: 1 } },
      /invalid option backoff\.evil: 1\. Expected one of type, delay, jitter/,
    ],
    [
      { attempts: 40, backoff: { type: 'exponential', delay: 1000 } },
      /last retry would wait 274877906944000 ms/,
    ],
    [
      { uniqueKey: 'k', uniqueFor: 1e300 },
      /invalid option uniqueFor: 1e\+300 is more than 31536000000 ms/,
    ],
    [
      { uniqueKey: 'k', uniqueFor: YEAR_MS + 1 },
      /invalid option uniqueFor: 31536000001/,
    ],
    [{ uniqueKey: 'k', uniqueFor: 0.5 }, /invalid option uniqueFor: 0\.5/],
  ])(
    'refuses %j with JobValidationError and enqueues nothing',
    async (options, message) => {
      const [keys, jobs] = [await countKeys(t.prefix), await countJobs(t)];
      await expect(
        t.jobs.enqueue({ name: 'anything', options }),
      ).rejects.toThrow(JobValidationError);
      await expect(
        t.jobs.enqueue({ name: 'anything', options }),
      ).rejects.toThrow(message);
      expect(await countJobs(t)).toBe(jobs);
      expect(await countKeys(t.prefix)).toBe(keys);
    },
  );

  it('accepts every bound itself', async () => {
    const at = [
      { delay: YEAR_MS },
      { runAt: new Date(Date.now() + YEAR_MS - 60_000) },
      { attempts: 1000, backoff: 5 },
      { timeout: MAX_TIMEOUT_MS },
      { backoff: { type: 'fixed' as const, delay: YEAR_MS, jitter: 1 } },
      { attempts: 10, backoff: { type: 'exponential' as const, delay: 1000 } },
      { uniqueKey: 'bounded', uniqueFor: YEAR_MS },
    ];
    const before = await countJobs(t);
    for (const options of at)
      await t.jobs.enqueue({ name: 'anything', options });
    expect(await countJobs(t)).toBe(before + at.length);
  });
});

describe('upper bounds on @JobHandler options, checked at boot', () => {
  const boot = async (options: JobHandlerOptions) => {
    @Injectable()
    class Bounded {
      @JobHandler('bounded', options)
      run() {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix: uniquePrefix(),
          workers: false,
        }),
      ],
      providers: [Bounded],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  };

  it.each([
    [{ attempts: 1e300 }, /invalid option attempts: 1e\+300 is more than 1000/],
    [{ attempts: Number.NaN }, /invalid option attempts: null/],
    [
      { timeout: 2 ** 31 },
      /invalid option timeout: 2147483648 is more than 2147483647/,
    ],
    [{ timeout: Infinity }, /invalid option timeout/],
    [{ backoff: 1e300 }, /invalid option backoff\.delay: 1e\+300/],
    [
      {
        backoff: { type: 'exponential' as const, delay: 60_000 },
        attempts: 30,
      },
      /last retry would wait/,
    ],
  ])(
    'fails the boot on %j with JobsConfigurationError naming the handler',
    async (options, message) => {
      const attempt = boot(options);
      await expect(attempt).rejects.toThrow(JobsConfigurationError);
      await expect(attempt).rejects.toThrow(
        /@JobHandler\('bounded'\) on Bounded\.run: /,
      );
      await expect(attempt).rejects.toThrow(message);
    },
  );
});

describe('Prometheus series stay bounded (real Redis)', () => {
  let t: HttpTestApp;
  afterEach(async () => {
    t?.app.get(MonitoringHandlers).releaseAll();
    await t?.close();
  });

  it('counts jobs with no handler under name="(unregistered)", so random names add no series', async () => {
    t = await createHttpApp(
      { queues: { default: 2 } },
      {
        imports: [JobsMetricsModule.register()],
        providers: [MonitoringHandlers],
      },
    );
    const queue = queueOf(t, 'default');
    // As bull-board's "add job" would: names no handler serves.
    const names = Array.from(
      { length: 30 },
      () => `random-${randomUUID().slice(0, 8)}`,
    );
    for (const name of names) await queue.add(name, {});
    await t.jobs.enqueue({ name: 'ok' });
    await waitFor(
      async () => {
        const [stats] = await t.jobs.stats('default');
        return stats.counts.failed === 30 && stats.counts.completed === 1;
      },
      15_000,
      'the jobs to finish',
    );

    const text = (await request(t.url).get('/metrics').expect(200)).text;
    for (const name of names) expect(text).not.toContain(name);
    expect(text).toContain(
      'nestjs_jobs_jobs_failed_total{queue="default",name="(unregistered)"} 30',
    );
    expect(text).toContain(
      'nestjs_jobs_jobs_completed_total{queue="default",name="ok"} 1',
    );
    const nameLabels = new Set(
      [...text.matchAll(/name="([^"]*)"/g)].map((m) => m[1]),
    );
    expect([...nameLabels].sort()).toEqual(['(unregistered)', 'ok']);
  });
});
