import type { Job } from 'bullmq';
import { CancelledJobs } from './cancelled-jobs';
import { JobCancelledError } from '../errors/job-cancelled.error';
import { encodeCancelMarker } from './worker-control';
import type { RedisClient } from '../redis/redis-client.factory';

// The durable-cancel check without Redis: a fake client counts the reads, because the check must
// cost no Redis round trip on a first attempt (libs/jobs/test/faults.spec.ts covers it on real processes).

function fakeClient(markers: Record<string, string>) {
  const reads: string[] = [];
  const client = {
    get: (key: string) => {
      reads.push(key);
      return Promise.resolve(markers[key] ?? null);
    },
  } as unknown as RedisClient;
  return { client, reads };
}

const job = (fields: Partial<Job>) =>
  ({
    id: 'j1',
    timestamp: 1_000,
    attemptsMade: 0,
    attemptsStarted: 1,
    stalledCounter: 0,
    ...fields,
  }) as Job;

describe('CancelledJobs', () => {
  it('reads no marker for a first attempt', () => {
    const { client, reads } = fakeClient({
      'm:j1': encodeCancelMarker({ createdAt: 1_000 }),
    });
    const cancelled = new CancelledJobs(client, (id) => `m:${id}`);
    expect(cancelled.check(job({}))).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('fails a restarted job (stalled, retried or started again) that has a marker, and only that job', async () => {
    const { client, reads } = fakeClient({
      'm:j1': encodeCancelMarker({ createdAt: 1_000, reason: 'stop' }),
    });
    const cancelled = new CancelledJobs(client, (id) => `m:${id}`);
    for (const restart of [
      { stalledCounter: 1 },
      { attemptsMade: 1 },
      { attemptsStarted: 2 },
    ]) {
      const error = await cancelled.check(job(restart));
      expect(error).toBeInstanceOf(JobCancelledError);
      expect((error as JobCancelledError).message).toBe('Job cancelled: stop.');
    }
    expect(
      await cancelled.check(job({ id: 'other', stalledCounter: 1 })),
    ).toBeUndefined();
    // A later job that reuses the id (another creation time) is not hit by the old marker.
    expect(
      await cancelled.check(job({ timestamp: 2_000, stalledCounter: 1 })),
    ).toBeUndefined();
    expect(reads).toEqual(['m:j1', 'm:j1', 'm:j1', 'm:other', 'm:j1']);
  });

  it('runs the job when the marker cannot be read (at least once)', async () => {
    const client = {
      get: async () => Promise.reject(new Error('Connection is closed.')),
    } as unknown as RedisClient;
    const cancelled = new CancelledJobs(client, (id) => `m:${id}`);
    expect(await cancelled.check(job({ stalledCounter: 1 }))).toBeUndefined();
  });

  it('fails, without Redis, a job whose cancel was heard just before it started here', () => {
    const { client, reads } = fakeClient({});
    const cancelled = new CancelledJobs(client, (id) => `m:${id}`);
    cancelled.remember('j1', 'too late', 1_000);
    cancelled.remember('j2', undefined, 5);
    expect(cancelled.check(job({}))).toEqual(new JobCancelledError('too late'));
    // Another job with that id (another creation time) runs.
    expect(cancelled.check(job({ id: 'j2' }))).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it('remembers at most 10,000 cancels, dropping the oldest', () => {
    const cancelled = new CancelledJobs(
      fakeClient({}).client,
      (id) => `m:${id}`,
    );
    for (let i = 0; i <= 10_000; i++)
      cancelled.remember(`j${i}`, undefined, undefined);
    expect(cancelled.check(job({ id: 'j0' }))).toBeUndefined();
    expect(cancelled.check(job({ id: 'j1' }))).toBeInstanceOf(
      JobCancelledError,
    );
    expect(cancelled.check(job({ id: 'j10000' }))).toBeInstanceOf(
      JobCancelledError,
    );
  });
});
