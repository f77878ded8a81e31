import { Injectable } from '@nestjs/common';
import fc from 'fast-check';
import request from 'supertest';
import {
  JobHandler,
  JobsAdminModule,
  JobsConnectionError,
  JobsError,
  type JobRequest,
} from 'nestjs-jobs';
import { bodyOf, createHttpApp, type HttpTestApp } from './support/http-app';
import { asStored, RedisSnapshots } from './support/redis-snapshot';
import { Device } from './support/device-payload';
import {
  devicePayload,
  enqueueOptions,
  jobName,
  PAYLOAD_LIMIT,
  pathSegment,
  payload,
  queryValue,
  queueName,
} from './support/fuzz-arbitraries';

// Property-based fuzzing of everything a caller controls (issue 12): job names, ids, payloads and
// options given to enqueue, and the admin API's path and query parameters. The invariant: either
// a named error (a JobsError; over HTTP a 4xx with a reason) and Redis exactly as it was (keys
// under the prefix and job counts), or success with the data read back exactly as JSON carries it.
//
// Bounded in time: run counts are fixed (FUZZ_RUNS scales them, e.g. FUZZ_RUNS=10 for a long
// hunt; FUZZ_SEED replays one seed). A seed that ever fails is kept below as a regression case.

const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const seed =
  process.env.FUZZ_SEED === undefined
    ? {}
    : { seed: Number(process.env.FUZZ_SEED) };
const TOKEN = 'fuzz-admin-token-0123456789abcdef';
const BASE = '/admin/jobs';

jest.setTimeout(60_000 * Math.max(1, SCALE));

@Injectable()
class Handlers {
  @JobHandler('free')
  free() {}

  @JobHandler('device', { payload: Device, queue: 'other' })
  device() {}
}

describe('fuzz (fast-check, real Redis)', () => {
  let t: HttpTestApp;
  const snapshots = new RedisSnapshots();
  /** Data stored per job id: enqueueing an id again (jobId, uniqueKey) must give back the first job. */
  const stored = new Map<string, unknown>();

  beforeAll(async () => {
    t = await createHttpApp(
      {
        queues: { default: 1, other: 1 },
        workers: false,
        maxPayloadBytes: PAYLOAD_LIMIT,
      },
      {
        imports: [JobsAdminModule.register({ token: TOKEN })],
        providers: [Handlers],
      },
    );
  });
  afterAll(async () => {
    await t.close();
    snapshots.close();
  });

  /** One enqueue against the invariant. Throws (failing the property) when it is broken. */
  const checkEnqueue = async (job: unknown, queue: unknown): Promise<void> => {
    const before = await snapshots.take(t);
    let ref;
    try {
      ref = await t.jobs.enqueue(job as JobRequest, queue as string);
    } catch (error) {
      if (!(error instanceof JobsError) || error instanceof JobsConnectionError)
        throw error;
      expect(error.message).not.toBe('');
      expect(await snapshots.take(t)).toEqual(before);
      return;
    }
    const info = await t.jobs.get(ref.id);
    expect(info).not.toBeNull();
    const data = (job as JobRequest).data;
    const expected = stored.has(ref.id) ? stored.get(ref.id) : asStored(data);
    expect(info!.data).toEqual(expected);
    stored.set(ref.id, expected);
  };

  describe('regressions: inputs fast-check found', () => {
    it('a job request without a prototype holding a BigInt (seed 251262964, path "33:3:2:2": String() threw in the message)', async () => {
      await checkEnqueue(
        Object.assign(Object.create(null), { '': 0n }),
        undefined,
      );
      await checkEnqueue(
        {
          name: 'free',
          options: Object.assign(Object.create(null) as object, { delay: 1n }),
        },
        undefined,
      );
    });
  });

  it('enqueue: any name, data, options and queue give a named error and no change, or the data back', async () => {
    await fc.assert(
      fc.asyncProperty(
        jobName(),
        fc.oneof(payload(), devicePayload()),
        enqueueOptions(),
        queueName(),
        fc.boolean(),
        async (name, data, options, queue, withOptions) => {
          await checkEnqueue(
            { name, data, ...(withOptions && { options }) },
            queue,
          );
        },
      ),
      { numRuns: runs(300), ...seed },
    );
  });

  it('enqueue: the payload class and plain data get the same treatment of hostile payloads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('free', 'device'),
        fc.oneof(payload(), devicePayload()),
        async (name, data) => {
          await checkEnqueue({ name, data }, undefined);
        },
      ),
      { numRuns: runs(200), ...seed },
    );
  });

  it('enqueue: hostile job requests (not objects, odd fields)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withNullPrototype: true,
        }),
        async (job) => {
          await checkEnqueue(job, undefined);
        },
      ),
      { numRuns: runs(100), ...seed },
    );
  });

  it('admin API: any path and query parameters give 2xx/4xx with a reason, and reads and refusals change nothing', async () => {
    // Jobs to find: one waiting in each queue.
    const a = await t.jobs.enqueue({ name: 'free', data: { n: 1 } });
    const b = await t.jobs.enqueue({ name: 'device', data: { deviceId: 2 } });
    const route = fc.oneof(
      fc
        .tuple(fc.constant('get'), pathSegment())
        .map(([m, q]) => [m, `/queues/${q}`] as const),
      fc
        .tuple(
          pathSegment(),
          fc.dictionary(
            fc.constantFrom(
              'status',
              'page',
              'pageSize',
              'sort',
              'page[]',
              '__proto__',
              'constructor',
            ),
            queryValue(),
          ),
        )
        .map(([q, query]) => ['get', `/queues/${q}/jobs`, query] as const),
      fc
        .tuple(
          fc.constantFrom('default', 'other'),
          fc.record(
            {
              status: fc.constantFrom('waiting', 'failed', 'delayed', 'nope'),
              page: queryValue(),
              pageSize: queryValue(),
            },
            { requiredKeys: [] },
          ),
        )
        .map(([q, query]) => ['get', `/queues/${q}/jobs`, query] as const),
      fc
        .tuple(
          fc.constant('get'),
          fc.oneof(pathSegment(), fc.constantFrom(a.id, b.id)),
        )
        .map(([m, id]) => [m, `/jobs/${id}`] as const),
      // Changes only for unknown ids (a refusal must change nothing).
      fc
        .tuple(
          fc.constantFrom('post'),
          pathSegment(),
          fc.constantFrom('retry', 'cancel'),
        )
        .map(([m, id, op]) => [m, `/jobs/${id}/${op}`] as const),
      fc
        .tuple(
          fc.constant('post'),
          pathSegment().filter((q) => q !== 'default' && q !== 'other'),
          fc.constantFrom('pause', 'resume'),
        )
        .map(([m, q, op]) => [m, `/queues/${q}/${op}`] as const),
    );
    await fc.assert(
      fc.asyncProperty(route, async ([method, path, query]) => {
        const before = await snapshots.take(t);
        const call =
          method === 'get'
            ? request(t.url).get(`${BASE}${path}`)
            : request(t.url).post(`${BASE}${path}`).send({});
        const res = await call
          .set('Authorization', `Bearer ${TOKEN}`)
          .query(query ?? {});
        const where = `${method.toUpperCase()} ${path} ${JSON.stringify(query ?? {})} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        if (res.status >= 500 || (res.status >= 300 && res.status < 400))
          throw new Error(`unexpected status: ${where}`);
        if (res.status >= 400) {
          const { message } = bodyOf<{ message?: unknown }>(res);
          expect([
            where,
            typeof message === 'string' || Array.isArray(message),
          ]).toEqual([where, true]);
        }
        // A POST that succeeded acted on a job an earlier property stored under an odd id: a change is its job.
        if (method === 'post' && res.status < 300) return;
        const after = await snapshots.take(t);
        expect([where, after]).toEqual([where, before]);
      }),
      { numRuns: runs(250), ...seed },
    );
  });
});
