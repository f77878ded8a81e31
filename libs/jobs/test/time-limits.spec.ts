import Redis from 'ioredis';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import {
  createJobsApp,
  deleteKeys,
  finished,
  redisUrl,
  waitFor,
} from './support/test-app';
import { Handlers } from './support/control-handlers';

jest.setTimeout(120_000);

beforeEach(() => Handlers.reset());

describe('time limits', () => {
  it('aborts the signal, fails the attempt with JobTimeoutError, retries, and frees the slot even if the handler ignores the signal', async () => {
    const t = await createJobsApp({ queues: { default: 1 } }, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({ name: 'stubborn' });
      const info = await finished(t, ref.id);
      expect(info.status).toBe('failed');
      expect(info.error).toMatch(/^Job timed out after 300 ms\./);
      expect(info.attemptsMade).toBe(2);
      expect(Handlers.events).toEqual(
        expect.arrayContaining(['aborted:1', 'aborted:2']),
      );
      // Two 2-second handlers were still running, yet with concurrency 1 the next job runs now.
      const next = await t.jobs.enqueue({ name: 'quick' });
      expect((await finished(t, next.id, 1_500)).status).toBe('completed');
      expect(Handlers.events).not.toContain('stubborn finished');
      const active = await t.app
        .get<Queue>(getQueueToken('default'))
        .getActiveCount();
      expect(active).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('lets an enqueue timeout override the handler default', async () => {
    const t = await createJobsApp({}, [Handlers]);
    try {
      const ref = await t.jobs.enqueue({
        name: 'sleep',
        data: { ms: 1_000 },
        options: { timeout: 100 },
      });
      const info = await finished(t, ref.id);
      expect(info).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/^Job timed out after 100 ms/),
      });
    } finally {
      await t.close();
    }
  });
});

describe('shutdown deadline', () => {
  it('aborts the signal of jobs still running at shutdownGraceMs, and leaves them to go back to the queue rather than fail', async () => {
    Handlers.events = [];
    const t = await createJobsApp(
      { queues: { default: 1 }, shutdownGraceMs: 200 },
      [Handlers],
    );
    const ref = await t.jobs.enqueue({ name: 'polite' });
    await waitFor(
      () => Handlers.events.includes('polite started'),
      10_000,
      'the job to start',
    );
    const redis = new Redis(redisUrl());
    try {
      await t.app.close();
      expect(Handlers.events).toContain('polite aborted: shutdown');
      const key = `${t.prefix}:default:${ref.id}`;
      // Still active and locked: not failed, although its handler threw once the signal aborted.
      expect(
        await redis.zscore(`${t.prefix}:default:failed`, ref.id),
      ).toBeNull();
      expect(
        await redis.lpos(`${t.prefix}:default:active`, ref.id),
      ).not.toBeNull();
      expect(await redis.hget(key, 'failedReason')).toBeNull();
    } finally {
      redis.disconnect();
      await deleteKeys(t.prefix);
    }
  });
});
