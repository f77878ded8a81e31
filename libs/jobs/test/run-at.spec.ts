import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobValidationError } from 'nestjs-jobs';
import { countJobs, createJobsApp, type JobsTestApp } from './support/test-app';
import { Handlers } from './support/control-handlers';

beforeEach(() => Handlers.reset());

describe('scheduled jobs (runAt)', () => {
  let t: JobsTestApp;
  beforeEach(
    async () => (t = await createJobsApp({ workers: false }, [Handlers])),
  );
  afterEach(() => t.close());

  it('delays a job until runAt, and runs a runAt in the past now', async () => {
    const later = await t.jobs.enqueue({
      name: 'quick',
      options: { runAt: new Date(Date.now() + 60_000) },
    });
    const past = await t.jobs.enqueue({
      name: 'quick',
      options: { runAt: new Date(Date.now() - 60_000) },
    });
    expect((await t.jobs.get(later.id))?.status).toBe('delayed');
    expect((await t.jobs.get(past.id))?.status).toBe('waiting');
    const delay = (await t.app
      .get<Queue>(getQueueToken('default'))
      .getJob(later.id))!.opts.delay!;
    expect(delay).toBeGreaterThan(55_000);
    expect(delay).toBeLessThanOrEqual(60_000);
  });

  it.each([
    [
      { runAt: new Date('not a date') },
      /invalid option runAt: null\. Expected a valid Date/,
    ],
    [
      { runAt: '2030-01-01' },
      /invalid option runAt: "2030-01-01"\. Expected a valid Date/,
    ],
    [
      { runAt: new Date(), delay: 5 },
      /Expected either delay or runAt, not both/,
    ],
    [
      { timeout: -5 },
      /invalid option timeout: -5\. Expected a positive integer \(milliseconds\)/,
    ],
    [
      { uniqueFor: 1000 },
      /invalid option uniqueFor: 1000\. Expected to come with a uniqueKey/,
    ],
  ])(
    'rejects bad options %j and enqueues nothing',
    async (options, message) => {
      await expect(
        t.jobs.enqueue({ name: 'quick', options: options as never }),
      ).rejects.toThrow(JobValidationError);
      await expect(
        t.jobs.enqueue({ name: 'quick', options: options as never }),
      ).rejects.toThrow(message);
      expect(await countJobs(t)).toBe(0);
    },
  );
});
