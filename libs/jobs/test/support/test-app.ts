import { randomUUID } from 'node:crypto';
import { INestApplication, Provider, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import type { Queue } from 'bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { JobsModule, JobService, type JobsModuleOptions } from 'nestjs-jobs';

/** The private Redis that jest's globalSetup started. */
export const redisUrl = (): string => {
  const url = process.env.JOBS_TEST_REDIS_URL;
  if (!url)
    throw new Error(
      'JOBS_TEST_REDIS_URL is not set: run the tests through jest (globalSetup starts Redis).',
    );
  return url;
};

/** A key prefix no other test uses, so tests never see each other's jobs. */
export const uniquePrefix = (): string => `test-${randomUUID().slice(0, 8)}`;

export interface JobsTestApp {
  app: INestApplication;
  jobs: JobService;
  prefix: string;
  close(): Promise<void>;
}

/** Boots a Nest app with `JobsModule.forRoot(options)` and the given providers on the test Redis. */
export async function createJobsApp(
  options: JobsModuleOptions,
  providers: Provider[] = [],
  controllers: Type[] = [],
): Promise<JobsTestApp> {
  const prefix = options.prefix ?? uniquePrefix();
  const moduleRef = await Test.createTestingModule({
    imports: [
      JobsModule.forRoot({ connection: redisUrl(), ...options, prefix }),
    ],
    providers,
    controllers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  let closed = false;
  return {
    app,
    prefix,
    jobs: app.get(JobService),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await deleteKeys(prefix);
    },
  };
}

/** Deletes every key under a prefix. */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl());
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Counts the jobs in every state of every configured queue: 0 proves nothing was enqueued. */
export async function countJobs(
  t: Pick<JobsTestApp, 'app' | 'jobs'>,
): Promise<number> {
  let total = 0;
  for (const name of t.jobs.queueNames()) {
    const counts = await t.app.get<Queue>(getQueueToken(name)).getJobCounts();
    total += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return total;
}

/** Counts the Redis keys under a prefix. */
export async function countKeys(prefix: string): Promise<number> {
  const redis = new Redis(redisUrl());
  try {
    return (await redis.keys(`${prefix}:*`)).length;
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` every `everyMs` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = 'condition',
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until job `id` completed or failed, and returns it. */
export const finished = (
  t: Pick<JobsTestApp, 'jobs'>,
  id: string,
  ms = 20_000,
) =>
  waitFor(
    async () => {
      const info = await t.jobs.get(id);
      return info?.status === 'completed' || info?.status === 'failed'
        ? info
        : null;
    },
    ms,
    `job ${id} to finish`,
  );

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
