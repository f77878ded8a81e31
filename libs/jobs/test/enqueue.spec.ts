import { Injectable } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import type { Queue } from 'bullmq';
import {
  JobHandler,
  JobValidationError,
  UnknownJobError,
  UnknownQueueError,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { countJobs, createJobsApp, type JobsTestApp } from './support/test-app';

class Target {
  @IsString()
  host!: string;
}

class BackupPayload {
  @IsInt()
  @Min(1)
  deviceId!: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => Target)
  target?: Target;
}

@Injectable()
class Handlers {
  @JobHandler('backup', { payload: BackupPayload, queue: 'high_priority' })
  backup() {}

  @JobHandler('discovery')
  discovery() {}

  @JobHandler('report', { queue: 'high_priority' })
  report() {}

  @JobHandler('anything')
  anything() {}
}

// Producer-only apps: nothing consumes, so every job stays where it was enqueued.
const producer = (options: JobsModuleOptions = {}) =>
  createJobsApp(
    {
      queues: { default: 1, high_priority: 1, low_priority: 1 },
      workers: false,
      ...options,
    },
    [Handlers],
  );

const queueOf = (t: JobsTestApp, name: string) =>
  t.app.get<Queue>(getQueueToken(name));

describe('queue selection', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await producer({ routes: { report: 'low_priority' } });
  });
  afterAll(() => t.close());

  it('sends a job that names no queue, with no route and no handler queue, to default', async () => {
    const ref = await t.jobs.enqueue({
      name: 'discovery',
      data: { site: 'ams1' },
    });
    expect(ref).toEqual({
      id: expect.any(String),
      name: 'discovery',
      queue: 'default',
    });
    expect(await queueOf(t, 'default').getJob(ref.id)).toBeDefined();
  });

  it("uses the handler's queue option when no route or argument says otherwise", async () => {
    const ref = await t.jobs.enqueue({ name: 'backup', data: { deviceId: 7 } });
    expect(ref.queue).toBe('high_priority');
    expect((await queueOf(t, 'high_priority').getJob(ref.id))?.data).toEqual({
      deviceId: 7,
    });
  });

  it("prefers routes over the handler's queue option", async () => {
    const ref = await t.jobs.enqueue({ name: 'report' });
    expect(ref.queue).toBe('low_priority');
    expect(await queueOf(t, 'low_priority').getJob(ref.id)).toBeDefined();
  });

  it('prefers the queueName argument over everything', async () => {
    const ref = await t.jobs.enqueue({ name: 'report' }, 'default');
    expect(ref.queue).toBe('default');
    expect(await queueOf(t, 'default').getJob(ref.id)).toBeDefined();
    expect(await queueOf(t, 'low_priority').getJob(ref.id)).toBeUndefined();
  });

  it('gives ids that are unique across queues, so get(id) needs nothing else', async () => {
    const a = await t.jobs.enqueue({ name: 'discovery' });
    const b = await t.jobs.enqueue({ name: 'backup', data: { deviceId: 1 } });
    expect(a.id).not.toBe(b.id);
    expect((await t.jobs.get(a.id))?.queue).toBe('default');
    expect((await t.jobs.get(b.id))?.queue).toBe('high_priority');
    expect(await t.jobs.get('no-such-job')).toBeNull();
  });

  it('adds a job with the same jobId only once', async () => {
    const first = await t.jobs.enqueue({
      name: 'discovery',
      data: { n: 1 },
      options: { jobId: 'nightly-discovery' },
    });
    const second = await t.jobs.enqueue({
      name: 'discovery',
      data: { n: 2 },
      options: { jobId: 'nightly-discovery' },
    });
    expect(second.id).toBe(first.id);
    expect(
      await queueOf(t, 'default').getJobCountByTypes('waiting'),
    ).toBeGreaterThan(0);
    expect((await t.jobs.get('nightly-discovery'))?.data).toEqual({ n: 1 });
  });

  it('passes delay, priority, attempts and backoff to BullMQ', async () => {
    const delayed = await t.jobs.enqueue({
      name: 'discovery',
      options: { delay: 60_000 },
    });
    expect((await t.jobs.get(delayed.id))?.status).toBe('delayed');
    const ref = await t.jobs.enqueue({
      name: 'discovery',
      options: {
        priority: 3,
        attempts: 4,
        backoff: { type: 'exponential', delay: 100 },
      },
    });
    const job = await queueOf(t, 'default').getJob(ref.id);
    expect(job?.opts).toMatchObject({
      priority: 3,
      attempts: 4,
      backoff: { type: 'exponential', delay: 100 },
    });
    expect((await t.jobs.get(ref.id))?.status).toBe('waiting');
  });

  it('enqueueMany adds jobs to their queues and returns refs in order', async () => {
    const refs = await t.jobs.enqueueMany([
      { name: 'discovery', data: { i: 0 } },
      { name: 'backup', data: { deviceId: 2 } },
      { name: 'report' },
    ]);
    expect(refs.map((r) => [r.name, r.queue])).toEqual([
      ['discovery', 'default'],
      ['backup', 'high_priority'],
      ['report', 'low_priority'],
    ]);
    for (const ref of refs)
      expect((await t.jobs.get(ref.id))?.name).toBe(ref.name);
  });
});

describe('bad input is rejected with a clear error and nothing is enqueued', () => {
  let t: JobsTestApp;
  beforeEach(async () => {
    t = await producer();
  });
  afterEach(() => t.close());

  const expectNothingEnqueued = async () => expect(await countJobs(t)).toBe(0);

  it('UnknownQueueError names the queue and lists the configured ones', async () => {
    const attempt = t.jobs.enqueue({ name: 'discovery' }, 'hgh_priority');
    await expect(attempt).rejects.toThrow(UnknownQueueError);
    await expect(
      t.jobs.enqueue({ name: 'discovery' }, 'hgh_priority'),
    ).rejects.toThrow(
      'Queue "hgh_priority" is not configured. Configured queues: default, high_priority, low_priority.',
    );
    await expectNothingEnqueued();
  });

  it('UnknownJobError names the job and lists the registered ones', async () => {
    await expect(t.jobs.enqueue({ name: 'bakup', data: {} })).rejects.toThrow(
      UnknownJobError,
    );
    await expect(t.jobs.enqueue({ name: 'bakup', data: {} })).rejects.toThrow(
      /No @JobHandler\('bakup'\) exists in this app.*Registered job names: backup, discovery, report, anything/,
    );
    await expectNothingEnqueued();
  });

  it('JobValidationError names each field that fails the payload class', async () => {
    const attempt = t.jobs.enqueue({
      name: 'backup',
      data: { deviceId: 0, target: { host: 5 }, extra: true },
    });
    await expect(attempt).rejects.toThrow(JobValidationError);
    const error = (await t.jobs
      .enqueue({
        name: 'backup',
        data: { deviceId: 0, target: { host: 5 }, extra: true },
      })
      .catch((e: unknown) => e)) as JobValidationError;
    expect(error.message).toMatch(/^Job "backup" has invalid data: /);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'deviceId must not be less than 1',
        'property extra should not exist',
        'target.host must be a string',
      ]),
    );
    await expectNothingEnqueued();
  });

  it('JobValidationError when a payload class gets no object at all', async () => {
    await expect(t.jobs.enqueue({ name: 'backup' })).rejects.toThrow(
      /deviceId must be an integer number/,
    );
    await expect(
      t.jobs.enqueue({ name: 'backup', data: [1, 2] }),
    ).rejects.toThrow(
      /data must be an object matching BackupPayload, got an array/,
    );
    await expectNothingEnqueued();
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  it.each([
    ['a function', { cb: () => 1 }, /data\.cb is a function/],
    [
      'a BigInt',
      { n: { big: 10n } },
      /data\.n\.big is a BigInt \(send it as a string\)/,
    ],
    ['a cycle', cyclic, /data\.self is a circular reference/],
    [
      'NaN',
      { list: [1, NaN] },
      /data\.list\[1\] is NaN \(not a finite number\)/,
    ],
    ['a Map', { m: new Map() }, /data\.m is a Map/],
    ['a symbol', { s: Symbol('x') }, /data\.s is a symbol/],
  ])(
    'JobValidationError for data JSON cannot carry: %s',
    async (_what, data, message) => {
      await expect(t.jobs.enqueue({ name: 'anything', data })).rejects.toThrow(
        JobValidationError,
      );
      await expect(t.jobs.enqueue({ name: 'anything', data })).rejects.toThrow(
        message,
      );
      await expectNothingEnqueued();
    },
  );

  it('JobValidationError for data larger than maxPayloadBytes', async () => {
    const big = { blob: 'x'.repeat(512 * 1024) };
    await expect(
      t.jobs.enqueue({ name: 'anything', data: big }),
    ).rejects.toThrow(
      /Job "anything" has 524299 bytes of data, more than maxPayloadBytes \(524288\)/,
    );
    await expectNothingEnqueued();
  });

  it.each([
    [
      { delay: -1 },
      /invalid option delay: -1\. Expected a non-negative integer/,
    ],
    [{ priority: 0 }, /invalid option priority: 0/],
    [{ attempts: 1.5 }, /invalid option attempts: 1\.5/],
    [{ backoff: { type: 'linear', delay: 5 } }, /invalid option backoff/],
    [
      { jobId: '42' },
      /invalid option jobId: "42" is a number, and BullMQ numbers the jobs it names itself\. Use 1 to 128 letters/,
    ],
    [{ jobId: 'a:b' }, /invalid option jobId: "a:b"/],
    [
      { dealy: 5 },
      /invalid option dealy: 5\. Expected one of delay, runAt, priority, attempts, backoff, jobId, timeout, uniqueKey, uniqueFor/,
    ],
  ])('JobValidationError for bad options %j', async (options, message) => {
    await expect(
      t.jobs.enqueue({ name: 'anything', options: options as never }),
    ).rejects.toThrow(message);
    await expectNothingEnqueued();
  });

  it('JobValidationError for a request that is not { name }', async () => {
    await expect(t.jobs.enqueue(undefined as never)).rejects.toThrow(
      /enqueue\(\) takes \{ name, data\?, options\? \}/,
    );
    await expect(t.jobs.enqueue({ name: '' })).rejects.toThrow(
      JobValidationError,
    );
    await expectNothingEnqueued();
  });

  it('enqueueMany enqueues nothing when one job is bad, and says which', async () => {
    await expect(
      t.jobs.enqueueMany([
        { name: 'anything' },
        { name: 'backup', data: { deviceId: -1 } },
        { name: 'anything' },
      ]),
    ).rejects.toThrow(
      /^jobs\[1\]: Job "backup" has invalid data: deviceId must not be less than 1/,
    );
    await expect(
      t.jobs.enqueueMany([{ name: 'anything' }, { name: 'nope' }]),
    ).rejects.toThrow(UnknownJobError);
    await expectNothingEnqueued();
  });
});

describe('concurrent enqueues, as an HTTP server makes them', () => {
  let t: JobsTestApp;
  beforeAll(async () => {
    t = await producer({ prefix: 'jobs-concurrent-enqueue' });
  });
  afterAll(() => t.close());

  it('gives each of 64 concurrent callers its own answer: good jobs their ref, bad ones their own error', async () => {
    // Every fourth caller sends something wrong, each in its own way; the rest are good jobs
    // spread over three queues, some with a jobId that another good caller also uses.
    type Expected =
      | { ok: true; queue: string; data: object; sharedId?: string }
      | { ok: false; error: new (...args: any[]) => Error; message: RegExp };
    const calls: Array<{ run: () => Promise<unknown>; expected: Expected }> =
      [];
    for (let i = 0; i < 64; i++) {
      const kind = i % 4 === 3 ? Math.floor(i / 4) % 4 : -1;
      if (kind === 0) {
        calls.push({
          run: () => t.jobs.enqueue({ name: 'backup', data: { deviceId: -i } }),
          expected: {
            ok: false,
            error: JobValidationError,
            message: /deviceId must not be less than 1/,
          },
        });
      } else if (kind === 1) {
        calls.push({
          run: () => t.jobs.enqueue({ name: 'discovery' }, 'no_such_queue'),
          expected: {
            ok: false,
            error: UnknownQueueError,
            message: /no_such_queue/,
          },
        });
      } else if (kind === 2) {
        calls.push({
          run: () => t.jobs.enqueue({ name: `nope-${i}` }),
          expected: { ok: false, error: UnknownJobError, message: /nope-/ },
        });
      } else if (kind === 3) {
        calls.push({
          run: () =>
            t.jobs.enqueue({
              name: 'discovery',
              options: { jobId: `bad:${i}` },
            }),
          expected: { ok: false, error: JobValidationError, message: /jobId/ },
        });
      } else if (i % 8 === 1) {
        // Two callers (i and i + 8 … ) share one jobId: the job is added once, both get its id.
        const sharedId = `shared-${i % 16}`;
        calls.push({
          run: () =>
            t.jobs.enqueue({
              name: 'discovery',
              data: { i },
              options: { jobId: sharedId },
            }),
          expected: { ok: true, queue: 'default', data: { i }, sharedId },
        });
      } else {
        const queue = ['default', 'high_priority', 'low_priority'][i % 3];
        calls.push({
          run: () => t.jobs.enqueue({ name: 'anything', data: { i } }, queue),
          expected: { ok: true, queue, data: { i } },
        });
      }
    }
    const before = await countJobs(t);
    const outcomes = await Promise.allSettled(calls.map((c) => c.run()));

    const ids = new Set<string>();
    const firstWithId = new Map<string, object>();
    for (const [i, outcome] of outcomes.entries()) {
      const expected = calls[i].expected;
      if (!expected.ok) {
        expect(outcome.status).toBe('rejected');
        const error = (outcome as PromiseRejectedResult).reason as Error;
        expect(error).toBeInstanceOf(expected.error);
        expect(error.message).toMatch(expected.message);
        continue;
      }
      expect(outcome.status).toBe('fulfilled');
      const ref = (
        outcome as PromiseFulfilledResult<{ id: string; queue: string }>
      ).value;
      expect(ref.queue).toBe(expected.queue);
      const stored = await queueOf(t, ref.queue).getJob(ref.id);
      if (expected.sharedId) {
        expect(ref.id).toBe(expected.sharedId);
        // Whichever caller came first wrote the data; the other got the same job.
        if (!firstWithId.has(ref.id))
          firstWithId.set(ref.id, stored!.data as object);
        expect(stored!.data).toEqual(firstWithId.get(ref.id));
      } else {
        expect(ids.has(ref.id)).toBe(false);
        expect(stored?.data).toEqual(expected.data);
      }
      ids.add(ref.id);
    }
    // Exactly the good jobs were added: one per distinct id, nothing for the bad callers.
    expect(await countJobs(t)).toBe(before + ids.size);
  });
});
