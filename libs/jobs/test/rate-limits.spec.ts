import { createJobsApp, finished } from './support/test-app';
import { Handlers } from './support/control-handlers';

jest.setTimeout(120_000);

beforeEach(() => Handlers.reset());

describe('rate limits', () => {
  it('runs at most limiter.max jobs per limiter.duration', async () => {
    const t = await createJobsApp(
      {
        queues: {
          default: { concurrency: 10, limiter: { max: 2, duration: 1_000 } },
        },
      },
      [Handlers],
    );
    try {
      const refs = await t.jobs.enqueueMany(
        Array.from({ length: 6 }, () => ({ name: 'sleep', data: { ms: 1 } })),
      );
      for (const ref of refs) await finished(t, ref.id);
      const first = Math.min(...Handlers.starts);
      // Generous: whatever the machine's speed, no more than 2 may start in the first window.
      expect(
        Handlers.starts.filter((s) => s - first < 900).length,
      ).toBeLessThanOrEqual(2);
      expect(Handlers.starts).toHaveLength(6);
    } finally {
      await t.close();
    }
  });
});
