import 'reflect-metadata';
import {
  Injectable,
  Module,
  type INestApplicationContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, Processor, WorkerHost } from '@nestjs/bullmq';
import { Worker, type KeepJobs } from 'bullmq';
import { JobHandler, JobsModule } from 'nestjs-jobs';
import type { PrivateRedis } from './support';

/**
 * nestjs-jobs' default retention (libs/jobs/src/jobs.constants.ts), given to every contender so all
 * three do the same Redis work per job: BullMQ's own default keeps every finished job forever.
 */
export const KEEP_COMPLETED: KeepJobs = { age: 24 * 60 * 60, count: 1_000 };
export const KEEP_FAILED: KeepJobs = { age: 7 * 24 * 60 * 60, count: 10_000 };

export type ContenderId = 'raw' | 'nestBullmq' | 'nestjsJobs';

export const CONTENDERS: { id: ContenderId; label: string }[] = [
  { id: 'raw', label: '(a) raw bullmq Worker' },
  { id: 'nestBullmq', label: '(b) @nestjs/bullmq WorkerHost' },
  { id: 'nestjsJobs', label: '(c) nestjs-jobs @JobHandler' },
];

export interface ConsumerOptions {
  redis: PrivateRedis;
  prefix: string;
  /** The BullMQ queue name the consumer serves. nestjs-jobs serves `default`. */
  queue: string;
  concurrency: number;
  /** Called at the start of every job. */
  onJob: () => void;
}

/** A booted consumer: its worker is connected and will take jobs as soon as the queue is resumed. */
export interface Consumer {
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
      return startRaw(options);
    case 'nestBullmq':
      return startNestBullmq(options);
    case 'nestjsJobs':
      return startNestjsJobs(options);
  }
}

async function startRaw({
  redis,
  prefix,
  queue,
  concurrency,
  onJob,
}: ConsumerOptions): Promise<Consumer> {
  const worker = new Worker(
    queue,
    () => {
      onJob();
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
      removeOnComplete: KEEP_COMPLETED,
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
    process(): Promise<void> {
      onJob();
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
    noop(): Promise<void> {
      onJob();
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
