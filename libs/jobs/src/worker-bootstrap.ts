import type { INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobsConfigurationError } from './errors/jobs-configuration.error';
import { Messages } from './jobs.messages';
import { JobsWorkerManager } from './workers/jobs-worker.manager';

/** What one worker process serves. */
export interface WorkerProcessOptions {
  /** Queues to serve. Empty or absent: every configured queue. */
  queues?: string[];
  /** Queue name → concurrency in this process, overriding the configuration. */
  concurrency?: Record<string, number>;
  /** Passed to Nest. */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Parses worker command-line arguments: queue names, and `--concurrency queue=n` (repeatable).
 * @example parseWorkerArgs(['high_priority', 'low_priority', '--concurrency', 'high_priority=16'])
 */
export function parseWorkerArgs(argv: string[]): WorkerProcessOptions {
  const queues: string[] = [];
  const concurrency: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--concurrency' || arg.startsWith('--concurrency=')) {
      const value = arg === '--concurrency' ? argv[++i] : arg.slice('--concurrency='.length);
      const [queue, n] = (value ?? '').split('=');
      if (!queue || !/^\d+$/.test(n ?? '') || Number(n) < 1) {
        throw new JobsConfigurationError(Messages.badWorkerArgument(`--concurrency ${value ?? ''}`.trim()));
      }
      concurrency[queue] = Number(n);
    } else if (arg.startsWith('-')) {
      throw new JobsConfigurationError(Messages.badWorkerArgument(arg));
    } else {
      queues.push(...arg.split(',').filter(Boolean));
    }
  }
  return { queues, concurrency };
}

/**
 * Boots `module` as a worker process: a Nest application context (no HTTP server) that serves
 * the chosen queues, stops gracefully on SIGTERM/SIGINT, and fails at once, listing the
 * configured queues, when a queue is not configured. Leave `workers` unset in `forRoot` so this
 * process can choose; it passes its choice through `JOBS_WORKERS` and `JOBS_CONCURRENCY`.
 * @example
 * // worker.ts
 * bootstrapWorker(AppModule, parseWorkerArgs(process.argv.slice(2)));
 */
export async function bootstrapWorker(module: unknown, options: WorkerProcessOptions = {}): Promise<INestApplicationContext> {
  const queues = options.queues ?? [];
  process.env.JOBS_WORKERS = queues.length ? queues.join(',') : 'all';
  const overrides = Object.entries(options.concurrency ?? {});
  if (overrides.length) process.env.JOBS_CONCURRENCY = overrides.map(([q, n]) => `${q}=${n}`).join(',');
  else delete process.env.JOBS_CONCURRENCY;

  const app = await NestFactory.createApplicationContext(module as any, {
    ...(options.logger !== undefined && { logger: options.logger }),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const served = Object.keys(app.get(JobsWorkerManager).concurrency());
  const expected = queues.length ? [...new Set(queues)] : undefined;
  if (expected && (served.length !== expected.length || expected.some((q) => !served.includes(q)))) {
    await app.close();
    throw new JobsConfigurationError(Messages.workersOptionOverridesProcess(expected, served));
  }
  return app;
}
