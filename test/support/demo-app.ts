import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { JobService, type JobInfo, type JobsModuleOptions } from 'nestjs-jobs';
import type { Server } from 'node:http';
import { AppModule, DEMO_JOBS_OPTIONS } from '../../src/app.module';
import type { EnqueuedJob } from '../../src/http/jobs.controller';
import { bodyOf, type ErrorBody } from '../../libs/jobs/test/support/http-app';
import {
  countJobs,
  deleteKeys,
  redisUrl,
} from '../../libs/jobs/test/support/test-app';

/**
 * The demo's queues, all served in the test's own process: `reports` runs in worker processes of
 * its own under `npm start`, which an in-process app does not start (start-demo.e2e-spec.ts and
 * libs/jobs/test/pool.spec.ts test the pool).
 */
const IN_PROCESS_QUEUES = Object.fromEntries(
  Object.entries(DEMO_JOBS_OPTIONS.queues!).map(([name, config]) => [
    name,
    typeof config === 'number' ? config : { ...config, processes: undefined },
  ]),
);

export { bodyOf, type ErrorBody };

/** POST /jobs/:name's answer. */
export const enqueued = (res: { body: unknown }) => bodyOf<EnqueuedJob>(res);

/** The message of an error answer. */
export const errorMessage = (res: { body: unknown }) =>
  bodyOf<ErrorBody>(res).message;

/** The private Redis that jest's globalSetup started (the library tests' helper, under the name the e2e tests use). */
export const testRedisUrl = redisUrl;

export interface DemoApp {
  app: INestApplication;
  http: ReturnType<typeof request>;
  jobs: JobService;
  prefix: string;
  /** Jobs in any state in any queue of this app's prefix: 0 proves nothing was enqueued. */
  countJobs(): Promise<number>;
  close(): Promise<void>;
}

/** Boots the demo's AppModule on the test Redis under a prefix no other test uses. */
export async function startDemoApp(
  overrides: JobsModuleOptions = {},
): Promise<DemoApp> {
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.register({
        connection: testRedisUrl(),
        prefix,
        queues: IN_PROCESS_QUEUES,
        ...overrides,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  const jobs = app.get(JobService);
  let closed = false;
  return {
    app,
    http: request(app.getHttpServer() as Server),
    jobs,
    prefix,
    countJobs: () => countJobs({ app, jobs }),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      if (overrides.connection === undefined) await deleteKeys(prefix);
    },
  };
}

/** Reads GET /jobs/:id until `done(info)` holds, or fails after `timeoutMs` (generous: only a hung job hits it). */
export async function pollJob(
  t: DemoApp,
  id: string,
  done: (info: JobInfo) => boolean,
  timeoutMs = 20_000,
): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: JobInfo | undefined;
  while (Date.now() < deadline) {
    const res = await t.http.get(`/jobs/${id}`).expect(200);
    last = res.body as JobInfo;
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `Job ${id} did not reach the expected state within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
  );
}
