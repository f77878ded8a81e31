import 'reflect-metadata';
import {
  Injectable,
  Module,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, Processor, WorkerHost } from '@nestjs/bullmq';
import { Worker, type Job, type KeepJobs } from 'bullmq';
import { JobHandler, JobsModule } from 'nestjs-jobs';
// Internal on purpose: the default the equal-retention contenders copy.
import { DEFAULT_RETENTION } from '../../libs/jobs/src/jobs.constants';
import type { PrivateRedis } from './support';

/**
 * nestjs-jobs' default retention, given to (a) and (b) for the equal-retention comparison, so all
 * three do the same Redis work per job: BullMQ's own default keeps every finished job forever.
 * Read from the library itself, so the comparison follows any change of the default.
 */
export const KEEP_COMPLETED: KeepJobs = { ...DEFAULT_RETENTION.completed };
export const KEEP_FAILED: KeepJobs = { ...DEFAULT_RETENTION.failed };

/**
 * (a) and (b) keep finished jobs like nestjs-jobs' default; (a0) is raw BullMQ as its guide
 * recommends for throughput, each job added with `removeOnComplete: true`. (c) runs on its own
 * documented defaults: c/a compares equal retention, c/a0 what each user gets out of the box.
 */
export type ContenderId = 'raw' | 'rawRemove' | 'nestBullmq' | 'nestjsJobs';

export const CONTENDERS: { id: ContenderId; label: string }[] = [
  { id: 'raw', label: '(a) raw bullmq Worker' },
  { id: 'rawRemove', label: '(a0) raw bullmq, removeOnComplete: true' },
  { id: 'nestBullmq', label: '(b) @nestjs/bullmq WorkerHost' },
  { id: 'nestjsJobs', label: '(c) nestjs-jobs @JobHandler' },
];

/** Options of each job the bench loads for contender `id`. */
export const jobOptionsFor = (id: ContenderId) =>
  id === 'rawRemove' ? { removeOnComplete: true } : undefined;

export interface ConsumerOptions {
  redis: PrivateRedis;
  prefix: string;
  /** The BullMQ queue name the consumer serves. nestjs-jobs serves `default`. */
  queue: string;
  concurrency: number;
  /** Called at the start of every job, with its data. */
  onJob: (data: unknown) => void;
}

/** A booted consumer: its worker is connected and will take jobs as soon as the queue is resumed. */
export interface Consumer {
  /** The Nest application, for the contenders that are one (to get `JobService` from). */
  app?: INestApplicationContext;
  close(): Promise<void>;
}

export const queueNameFor = (id: ContenderId): string =>
  id === 'nestjsJobs' ? 'default' : `bench-${id}`;

export function startConsumer(
  id: ContenderId,
  options: ConsumerOptions,
): Promise<Consumer> {
  switch (id) {
    case 'raw':
      return startRaw(options, KEEP_COMPLETED);
    case 'rawRemove':
      // Its jobs carry removeOnComplete: true (jobOptionsFor), which BullMQ applies over the worker's.
      return startRaw(options, undefined);
    case 'nestBullmq':
      return startNestBullmq(options);
    case 'nestjsJobs':
      return startNestjsJobs(options);
  }
}

async function startRaw(
  { redis, prefix, queue, concurrency, onJob }: ConsumerOptions,
  keepCompleted: KeepJobs | undefined,
): Promise<Consumer> {
  const worker = new Worker(
    queue,
    (job) => {
      onJob(job.data);
      return Promise.resolve();
    },
    {
      connection: {
        host: redis.host,
        port: redis.port,
        maxRetriesPerRequest: null,
      },
      prefix,
      concurrency,
      ...(keepCompleted && { removeOnComplete: keepCompleted }),
      removeOnFail: KEEP_FAILED,
    },
  );
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}

/** What a Nest user would write with @nestjs/bullmq; a class per run because the queue name is static. */
async function startNestBullmq({
  redis,
  prefix,
  queue,
  concurrency,
  onJob,
}: ConsumerOptions): Promise<Consumer> {
  @Processor(queue, {
    concurrency,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: KEEP_FAILED,
  })
  class NoopProcessor extends WorkerHost {
    process(job: Job): Promise<void> {
      onJob(job.data);
      return Promise.resolve();
    }
  }
  @Module({
    imports: [
      BullModule.forRoot({
        connection: { host: redis.host, port: redis.port },
        prefix,
      }),
      BullModule.registerQueue({ name: queue }),
    ],
    providers: [NoopProcessor],
  })
  class NestBullmqBenchModule {}
  return bootNest(NestBullmqBenchModule);
}

async function startNestjsJobs({
  redis,
  prefix,
  concurrency,
  onJob,
}: ConsumerOptions): Promise<Consumer> {
  @Injectable()
  class NoopHandler {
    @JobHandler('noop')
    noop(data: unknown): Promise<void> {
      onJob(data);
      return Promise.resolve();
    }
  }
  @Module({
    imports: [
      JobsModule.forRoot({
        connection: redis.url,
        prefix,
        queues: { default: concurrency },
      }),
    ],
    providers: [NoopHandler],
  })
  class NestjsJobsBenchModule {}
  return bootNest(NestjsJobsBenchModule);
}

export async function bootNest(
  module: unknown,
): Promise<Consumer & { app: INestApplicationContext }> {
  const app = await NestFactory.createApplicationContext(module as never, {
    logger: ['error'],
    abortOnError: false,
  });
  await app.init();
  return { app, close: () => app.close() };
}
