import { createJobsApp } from './support/test-app';
import { Handlers } from './support/control-handlers';

beforeEach(() => Handlers.reset());

describe('cancelling', () => {
  it('removes a waiting or delayed job', async () => {
    const t = await createJobsApp({ workers: false }, [Handlers]);
    try {
      const waiting = await t.jobs.enqueue({ name: 'quick' });
      const delayed = await t.jobs.enqueue({
        name: 'quick',
        options: { delay: 60_000 },
      });
      expect(await t.jobs.cancel(waiting.id)).toBe('removed');
      expect(await t.jobs.cancel(delayed.id, 'not needed')).toBe('removed');
      expect(await t.jobs.get(waiting.id)).toBeNull();
      expect(await t.jobs.get(delayed.id)).toBeNull();
      expect(await t.jobs.cancel('no-such-job')).toBe('not-found');
    } finally {
      await t.close();
    }
  });

  it('rejects a reason that is not a string', async () => {
    const t = await createJobsApp({ workers: false }, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({ name: 'quick' });
      await expect(t.jobs.cancel(ref.id, 42 as never)).rejects.toThrow(
        'cancel() takes an optional reason string, got 42.',
      );
      expect((await t.jobs.get(ref.id))?.status).toBe('waiting');
    } finally {
      await t.close();
    }
  });
});
