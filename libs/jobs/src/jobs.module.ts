import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull-shared';
import { DEFAULT_QUEUE, JOBS_CONFIG, JOBS_MODULE_OPTIONS, JOBS_WORKER_ROLE } from './jobs.constants';
import { resolveJobsConfig, type WorkerProcessRole } from './jobs-config';
import { JobsExplorer } from './jobs.explorer';
import { JobsMetadataAccessor } from './jobs-metadata.accessor';
import { JobHandlerRegistry } from './job-handler.registry';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import { PayloadValidator } from './payload/payload-validator';
import { JobsWorkerManager } from './workers/jobs-worker.manager';
import { WorkerRegistry } from './workers/worker-registry';
import { JobSchedules } from './schedules/job-schedules';
import { JobService } from './job.service';
import { ProcessPoolSupervisor } from './pool/process-pool.supervisor';
import type { JobsModuleAsyncOptions, JobsModuleOptions } from './interfaces/jobs-module-options.interface';

const CORE_PROVIDERS: Provider[] = [
  {
    provide: JOBS_CONFIG,
    useFactory: (options: JobsModuleOptions, role?: WorkerProcessRole) => resolveJobsConfig(options, process.env, role),
    // Present only in a process that bootstrapWorker started.
    inject: [JOBS_MODULE_OPTIONS, { token: JOBS_WORKER_ROLE, optional: true }],
  },
  JobsMetadataAccessor,
  JobHandlerRegistry,
  JobsExplorer,
  JobsQueueRegistry,
  PayloadValidator,
  WorkerRegistry,
  JobsWorkerManager,
  JobSchedules,
  JobService,
  ProcessPoolSupervisor,
];

/**
 * Named queues, each served by its own pool of workers. Global: `JobService` can be injected
 * anywhere once the module is imported.
 * @example
 * JobsModule.forRoot({ queues: { default: 2, high_priority: 8 } })
 */
@Module({})
export class JobsModule {
  /** Configures the module with options known up front. `forRoot()` alone is single-queue mode. */
  static forRoot(options: JobsModuleOptions = {}): DynamicModule {
    return JobsModule.build([{ provide: JOBS_MODULE_OPTIONS, useValue: options }], Object.keys(options?.queues ?? {}));
  }

  /** Configures the module from a factory, for options that come from `ConfigService` and the like. */
  static forRootAsync(options: JobsModuleAsyncOptions): DynamicModule {
    const optionsProvider: Provider = {
      provide: JOBS_MODULE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    };
    return JobsModule.build([optionsProvider], options.queueNames ?? [], options.imports);
  }

  private static build(
    optionsProviders: Provider[],
    queueNames: string[],
    imports: DynamicModule['imports'] = [],
  ): DynamicModule {
    // Register the queues under @nestjs/bullmq's tokens, so @InjectQueue(name) and bull-board find them.
    const queueProviders: Provider[] = [...new Set([DEFAULT_QUEUE, ...queueNames])].map((name) => ({
      provide: getQueueToken(name),
      useFactory: (registry: JobsQueueRegistry) => registry.get(name),
      inject: [JobsQueueRegistry],
    }));
    return {
      module: JobsModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [...optionsProviders, ...CORE_PROVIDERS, ...queueProviders],
      exports: [JobService, JobsQueueRegistry, JobsWorkerManager, JOBS_CONFIG, ...queueProviders.map((p) => (p as any).provide)],
    };
  }
}
