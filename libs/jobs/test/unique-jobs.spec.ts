import {
  countJobs,
  createJobsApp,
  finished,
  type JobsTestApp,
} from './support/test-app';
import { Handlers } from './support/control-handlers';

beforeEach(() => Handlers.reset());

describe('unique jobs', () => {
  let t: JobsTestApp;
  afterEach(() => t.close());

  it('returns the existing job while one with the same uniqueKey is waiting, and adds nothing', async () => {
    t = await createJobsApp({ workers: false }, [Handlers]);
    const first = await t.jobs.enqueue({
      name: 'quick',
      options: { uniqueKey: 'device-7' },
    });
    const second = await t.jobs.enqueue({
      name: 'quick',
      options: { uniqueKey: 'device-7' },
    });
    expect(second).toEqual(first);
    expect(await countJobs(t)).toBe(1);
    const other = await t.jobs.enqueue({
      name: 'quick',
      options: { uniqueKey: 'device-8' },
    });
    expect(other.id).not.toBe(first.id);
  });

  it('keeps dropping duplicates inside uniqueFor after the first job finished, and allows a new one after a plain key finished', async () => {
    t = await createJobsApp({}, [Handlers]);
    const windowed = await t.jobs.enqueue({
      name: 'quick',
      options: { uniqueKey: 'nightly', uniqueFor: 60_000 },
    });
    await finished(t, windowed.id);
    expect(
      (
        await t.jobs.enqueue({
          name: 'quick',
          options: { uniqueKey: 'nightly', uniqueFor: 60_000 },
        })
      ).id,
    ).toBe(windowed.id);

    const plain = await t.jobs.enqueue({
      name: 'quick',
      options: { uniqueKey: 'once-at-a-time' },
    });
    await finished(t, plain.id);
    expect(
      (
        await t.jobs.enqueue({
          name: 'quick',
          options: { uniqueKey: 'once-at-a-time' },
        })
      ).id,
    ).not.toBe(plain.id);
  });
});
