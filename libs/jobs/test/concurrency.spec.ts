import { createJobsApp, finished, waitFor } from './support/test-app';
import { Handlers } from './support/control-handlers';

jest.setTimeout(120_000);

beforeEach(() => Handlers.reset());

describe('concurrency at run time', () => {
  it('setConcurrency changes a running worker pool without a restart', async () => {
    const t = await createJobsApp(
      { queues: { default: 1 }, heartbeatIntervalMs: 200 },
      [Handlers],
    );
    try {
      expect(await t.jobs.setConcurrency('default', 4)).toBe(1);
      await waitFor(
        async () => (await t.jobs.workers())[0]?.concurrency.default === 4,
        3_000,
        'heartbeat to show 4',
      );
      const refs = await t.jobs.enqueueMany(
        Array.from({ length: 12 }, () => ({
          name: 'sleep',
          data: { ms: 300 },
        })),
      );
      for (const ref of refs) await finished(t, ref.id);
      expect(Handlers.maxInFlight).toBe(4);
    } finally {
      await t.close();
    }
  });

  it('rejects an unknown queue or a bad number, and changes nothing', async () => {
    const t = await createJobsApp(
      { queues: { default: 2 }, heartbeatIntervalMs: 200 },
      [Handlers],
    );
    try {
      const before = Date.now();
      await expect(t.jobs.setConcurrency('nope', 3)).rejects.toThrow(
        /Queue "nope" is not configured/,
      );
      await expect(t.jobs.setConcurrency('default', 0)).rejects.toThrow(
        'Concurrency for queue "default" must be a positive integer, got 0.',
      );
      // A heartbeat written after the rejections shows what the process runs now.
      await waitFor(
        async () =>
          (await t.jobs.workers())[0]?.lastSeen.getTime() > before + 200,
        5_000,
        'a heartbeat after the rejections',
      );
      expect((await t.jobs.workers())[0].concurrency).toEqual({ default: 2 });
    } finally {
      await t.close();
    }
  });
});

describe('autoscaling', () => {
  it('raises a queue above its minimum when a backlog builds, never above its maximum', async () => {
    const t = await createJobsApp(
      {
        queues: { default: { concurrency: { min: 1, max: 4 } } },
        heartbeatIntervalMs: 200,
      },
      [Handlers],
    );
    try {
      const refs = await t.jobs.enqueueMany(
        Array.from({ length: 40 }, () => ({
          name: 'sleep',
          data: { ms: 250 },
        })),
      );
      for (const ref of refs) await finished(t, ref.id, 60_000);
      expect(Handlers.maxInFlight).toBeGreaterThan(1);
      expect(Handlers.maxInFlight).toBeLessThanOrEqual(4);
    } finally {
      await t.close();
    }
  });
});
