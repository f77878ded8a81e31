// The worker's one log line per failed attempt, for jobs added straight through BullMQ.
import { Injectable, Logger } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobHandler } from 'nestjs-jobs';
import { createJobsApp, waitFor, type JobsTestApp } from './support/test-app';

@Injectable()
class FailingHandlers {
  @JobHandler('log_always_fails')
  fail(): never {
    throw new Error('device unreachable');
  }
}

describe('failure log', () => {
  let t: JobsTestApp;
  let warn: jest.SpyInstance;
  beforeEach(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn');
    t = await createJobsApp({ queues: { default: 1 } }, [FailingHandlers]);
  });
  afterEach(async () => {
    await t.close();
    warn.mockRestore();
  });

  const failureLines = () =>
    warn.mock.calls
      .map(([message]) => String(message))
      .filter((line) => line.includes('log_always_fails#'));

  it('counts a plain queue.add without attempts as one attempt (1/1), not 1/0', async () => {
    const queue = t.app.get<Queue>(getQueueToken('default'));
    const job = await queue.add('log_always_fails', {});
    const lines = await waitFor(
      () => (failureLines().length > 0 ? failureLines() : undefined),
      10_000,
      'the failure log',
    );
    expect(lines).toEqual([
      `Job log_always_fails#${job.id} on queue "default" failed (attempt 1/1, final): device unreachable`,
    ]);
  });

  it('counts explicit attempts as given', async () => {
    const queue = t.app.get<Queue>(getQueueToken('default'));
    const job = await queue.add('log_always_fails', {}, { attempts: 2 });
    const lines = await waitFor(
      () => (failureLines().length >= 2 ? failureLines() : undefined),
      10_000,
      'two failure logs',
    );
    expect(lines).toEqual([
      `Job log_always_fails#${job.id} on queue "default" failed (attempt 1/2, will retry): device unreachable`,
      `Job log_always_fails#${job.id} on queue "default" failed (attempt 2/2, final): device unreachable`,
    ]);
  });
});
