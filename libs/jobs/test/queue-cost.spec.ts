import Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { getQueueToken } from 'nestjs-jobs';
import { JobsQueueRegistry } from '../src/queues/jobs-queue.registry';
import { readBacklogs, readWaiting } from '../src/monitoring/queue-stats';
import {
  createJobsApp,
  finished,
  redisUrl,
  sleep,
  waitFor,
  type JobsTestApp,
} from './support/test-app';
import { Handlers } from './support/control-handlers';

jest.setTimeout(60_000);

let admin: Redis;
beforeAll(() => (admin = new Redis(redisUrl())));
afterAll(() => admin.quit());
beforeEach(() => Handlers.reset());

/** Every client connected to the test Redis: id and name. */
async function clients(): Promise<{ id: string; name: string }[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => ({
      id: /\bid=(\d+)/.exec(line)![1],
      name: /\bname=(\S*)/.exec(line)?.[1] ?? '',
    }));
}

/** Boots an app and returns it with the connections it opened: the clients not there before. */
async function bootCounted(
  options: Parameters<typeof createJobsApp>[0],
  expected: number,
): Promise<{ t: JobsTestApp; connections: { id: string; name: string }[] }> {
  const before = new Set((await clients()).map((c) => c.id));
  const t = await createJobsApp(options, [Handlers]);
  const opened = async () => (await clients()).filter((c) => !before.has(c.id));
  try {
    // Workers open their blocking connections after start-up.
    await waitFor(
      async () => (await opened()).length >= expected,
      10_000,
      `${expected} connections`,
    );
    // Long enough for a connection opened late to show up.
    await sleep(500);
    return { t, connections: await opened() };
  } catch (error) {
    await t.close();
    throw error;
  }
}

/** Closes the app and checks that not one of its connections is left. */
async function closeAndCheck(
  t: JobsTestApp,
  connections: { id: string }[],
): Promise<void> {
  await t.close();
  const ids = new Set(connections.map((c) => c.id));
  await waitFor(
    async () => !(await clients()).some((c) => ids.has(c.id)),
    2_000,
    "the app's connections to close",
  );
}

const queueNames = (n: number) =>
  Array.from({ length: n }, (_, i) => (i === 0 ? 'default' : `q${i + 1}`));
const base64 = (name: string) => Buffer.from(name).toString('base64');

describe('cost per queue', () => {
  it.each([1, 10])(
    'a worker process serving %i queue(s) holds 3 + n connections: producer, control, one its workers share, and a blocking one per worker; none after close',
    async (n) => {
      const names = queueNames(n);
      const { t, connections } = await bootCounted(
        { queues: Object.fromEntries(names.map((q) => [q, 1])) },
        3 + n,
      );
      try {
        expect(connections.map((c) => c.name).sort()).toEqual(
          [
            'nestjs-jobs:control',
            'nestjs-jobs:producer',
            'nestjs-jobs:workers',
            // BullMQ names each Worker's blocking connection <prefix>:<queue in base64>.
            ...names.map((q) => `${t.prefix}:${base64(q)}`),
          ].sort(),
        );
      } finally {
        await closeAndCheck(t, connections);
      }
    },
  );

  it.each([1, 10])(
    'a producer-only process (workers: false) with %i queue(s) holds 1 connection; none after close',
    async (n) => {
      const { t, connections } = await bootCounted(
        {
          queues: Object.fromEntries(queueNames(n).map((q) => [q, 1])),
          workers: false,
        },
        1,
      );
      try {
        expect(connections.map((c) => c.name)).toEqual([
          'nestjs-jobs:producer',
        ]);
      } finally {
        await closeAndCheck(t, connections);
      }
    },
  );

  it('workers sharing a connection run jobs on several queues, and cancel and setConcurrency reach them', async () => {
    const { t, connections } = await bootCounted(
      {
        queues: { default: 1, a: 1, b: 1, c: 1 },
        routes: { quick: 'a', sleep: 'b', polite: 'c' },
        heartbeatIntervalMs: 200,
      },
      3 + 4,
    );
    try {
      const quick = await Promise.all(
        [1, 2, 3].map(() => t.jobs.enqueue({ name: 'quick' })),
      );
      for (const ref of quick) {
        expect(ref.queue).toBe('a');
        expect((await finished(t, ref.id)).status).toBe('completed');
      }

      expect(await t.jobs.setConcurrency('b', 3)).toBe(1);
      await waitFor(
        async () => (await t.jobs.workers())[0]?.concurrency.b === 3,
        3_000,
        'heartbeat to show 3 on b',
      );
      const sleeps = await t.jobs.enqueueMany(
        Array.from({ length: 6 }, () => ({
          name: 'sleep',
          data: { ms: 300 },
        })),
      );
      for (const ref of sleeps)
        expect((await finished(t, ref.id)).status).toBe('completed');
      expect(Handlers.maxInFlight).toBe(3);
      // The other queues kept theirs.
      expect((await t.jobs.workers())[0].concurrency).toMatchObject({
        default: 1,
        a: 1,
        c: 1,
      });

      const polite = await t.jobs.enqueue({ name: 'polite' });
      await waitFor(
        () => Handlers.events.includes('polite started'),
        5_000,
        'polite to start on c',
      );
      expect(await t.jobs.cancel(polite.id, 'enough')).toBe('signalled');
      expect((await finished(t, polite.id)).status).toBe('failed');
      expect(Handlers.events).toContain('polite aborted: enough');
    } finally {
      await closeAndCheck(t, connections);
    }
  });

  it('reads the backlogs of all queues at once with the counts BullMQ gives', async () => {
    const t = await createJobsApp({
      queues: { default: 1, a: 1, b: 1 },
      workers: false,
    });
    try {
      const queue = (name: string) => t.app.get<Queue>(getQueueToken(name));
      const [d, a, b] = ['default', 'a', 'b'].map(queue);
      const added = Date.now();
      await a.addBulk(
        Array.from({ length: 3 }, (_, i) => ({ name: 'x', data: { i } })),
      );
      await a.add('x', {}, { priority: 2 });
      await b.add('x', {}, { priority: 1 });
      await b.add('x', {}, { delay: 60_000 });
      await sleep(50);
      const producer = t.app.get(JobsQueueRegistry).producer;

      const expected = await Promise.all(
        [d, a, b].map((q) => q.getJobCountByTypes('wait', 'prioritized')),
      );
      expect(expected).toEqual([0, 4, 1]);
      expect(await readWaiting([d, a, b], producer)).toEqual(expected);

      const backlogs = await readBacklogs([d, a, b], producer);
      expect(backlogs.map((x) => x.waiting)).toEqual(expected);
      // Only a has a job in its wait list (prioritized jobs are not ordered by age).
      expect(backlogs[0].oldestWaitingMs).toBe(0);
      expect(backlogs[1].oldestWaitingMs).toBeGreaterThanOrEqual(50);
      expect(backlogs[1].oldestWaitingMs).toBeLessThanOrEqual(
        Date.now() - added,
      );
      expect(backlogs[2].oldestWaitingMs).toBe(0);
      expect(await readWaiting([], producer)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
