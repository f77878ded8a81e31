import {
  Logger,
  Module,
  type DynamicModule,
  type INestApplicationContext,
  type LoggerService,
  type LogLevel,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobsConfigurationError } from './errors/jobs-configuration.error';
import { Messages } from './jobs.messages';
import { JOBS_WORKER_ROLE } from './jobs.constants';
import {
  parseProcessesSpec,
  type WorkerProcessRole,
} from './config/jobs-config';
import type { QueueProcesses } from './interfaces/jobs-module-options.interface';
import { ProcessPoolSupervisor } from './pool/process-pool.supervisor';
import {
  POOL_ARGUMENT,
  reportBootFailure,
  reportReady,
  watchSupervisor,
} from './pool/pool-child';

/** What one worker process serves. */
export interface WorkerProcessOptions {
  /** Queues to serve. Empty or absent: every configured queue, or the pool's supervisor when some queues have `processes`. */
  queues?: string[];
  /** Queue name → concurrency in this process, overriding the configuration. */
  concurrency?: Record<string, number>;
  /** Queue name → worker processes, overriding `processes` in the configuration (supervisor only). */
  processes?: Record<string, QueueProcesses>;
  /** Set by a pool's supervisor on the processes it starts: its id. Not for users. */
  pool?: string;
  /** Passed to Nest. */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Parses worker command-line arguments: queue names, `--concurrency queue=n` and
 * `--processes queue=n|min..max` (both repeatable).
 * @example parseWorkerArgs(['high_priority', 'low_priority', '--concurrency', 'high_priority=16'])
 */
export function parseWorkerArgs(argv: string[]): WorkerProcessOptions {
  const queues: string[] = [];
  const concurrency: Record<string, number> = {};
  const processes: Record<string, QueueProcesses> = {};
  let pool: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = /^(--[a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!flag && arg.startsWith('-'))
      throw new JobsConfigurationError(Messages.badWorkerArgument(arg));
    if (!flag) {
      queues.push(...arg.split(',').filter(Boolean));
      continue;
    }
    const [, name, inline] = flag;
    if (
      name !== '--concurrency' &&
      name !== '--processes' &&
      name !== POOL_ARGUMENT
    )
      throw new JobsConfigurationError(Messages.badWorkerArgument(arg));
    const value = inline ?? argv[++i] ?? '';
    if (name === POOL_ARGUMENT) {
      pool = value;
      continue;
    }
    const [queue, n, extra] = value.split('=');
    const parsed =
      name === '--processes'
        ? parseProcessesSpec(n ?? '')
        : /^\d+$/.test(n ?? '')
          ? Number(n)
          : undefined;
    if (
      !queue ||
      extra !== undefined ||
      parsed === undefined ||
      (typeof parsed === 'number' && parsed < 1)
    ) {
      throw new JobsConfigurationError(
        Messages.badWorkerArgument(`${name} ${value}`.trim()),
      );
    }
    if (name === '--processes') processes[queue] = parsed;
    else concurrency[queue] = parsed as number;
  }
  return {
    queues,
    concurrency,
    ...(Object.keys(processes).length > 0 && { processes }),
    ...(pool !== undefined && { pool }),
  };
}

/** Hands the worker entry's choices to `JobsModule` through DI (never through `process.env`). */
@Module({})
class JobsWorkerRoleModule {
  static forRole(role: WorkerProcessRole): DynamicModule {
    return {
      module: JobsWorkerRoleModule,
      global: true,
      providers: [{ provide: JOBS_WORKER_ROLE, useValue: role }],
      exports: [JOBS_WORKER_ROLE],
    };
  }
}

/** The root of a worker process: the user's module, plus the worker entry's choices. */
@Module({})
class JobsWorkerProcessModule {}

/**
 * Boots `module` as a worker process: a Nest application context (no HTTP server), stopped
 * gracefully on SIGTERM/SIGINT.
 * - Given queue names, it serves exactly those, and fails at once, listing the configured queues,
 *   when one is not configured.
 * - Without queue names, it serves every queue; but when some queues have `processes`, it becomes
 *   their pool's supervisor: it serves no queue itself, forks this same entry file once per process
 *   of the plan (each queue with `processes` alone, the other queues together), replaces processes
 *   that die, scales `{ min, max }` pools with the backlog, and passes SIGTERM/SIGINT on to them.
 *   When a process keeps dying before it is ready, the supervisor stops and exits with code 1.
 * Leave `workers` unset in `forRoot` so the worker's arguments can choose.
 * @example
 * // worker.ts
 * bootstrapWorker(AppModule, parseWorkerArgs(process.argv.slice(2)));
 */
export async function bootstrapWorker(
  module: unknown,
  options: WorkerProcessOptions = {},
): Promise<INestApplicationContext> {
  const role: WorkerProcessRole = {
    queues: [...new Set(options.queues ?? [])],
    concurrency: options.concurrency ?? {},
    processes: options.processes ?? {},
    ...(options.pool !== undefined && { pool: options.pool }),
  };
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(
      {
        module: JobsWorkerProcessModule,
        imports: [module as DynamicModule, JobsWorkerRoleModule.forRole(role)],
      },
      {
        ...(options.logger !== undefined && { logger: options.logger }),
        abortOnError: false,
      },
    );
  } catch (error) {
    if (role.pool) reportBootFailure(error);
    throw error;
  }
  app.enableShutdownHooks();
  if (role.pool) {
    // The supervisor is gone when its IPC channel closes, even after kill -9: stop as on SIGTERM.
    watchSupervisor();
    reportReady();
  }
  app.get(ProcessPoolSupervisor).onFatal(async (message) => {
    // The supervisor owns this process: it exits non-zero so Docker or Kubernetes sees the failure.
    new Logger('JobsPool').error(message);
    process.exitCode = 1;
    await app.close().catch(() => undefined);
    // Anything the app left open (a user's connection) must not keep a failed supervisor alive.
    setTimeout(() => process.exit(1), 5_000).unref();
  });
  return app;
}
