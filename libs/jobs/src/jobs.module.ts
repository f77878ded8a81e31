import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  JOBS_CONFIG,
  JOBS_MODULE_OPTIONS,
  JOBS_WORKER_ROLE,
} from './jobs.constants';
import {
  resolveJobsConfig,
  type WorkerProcessRole,
} from './config/jobs-config';
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
import { JobsInternals } from './jobs.internals';
import { JobRouting } from './queues/job-routing';
import { JobProducer } from './queues/job-producer';
import { JobsMonitor } from './monitoring/jobs-monitor';
import { ControlChannel } from './workers/control-channel';
import { assertAsyncOptions } from './utils/async-options';
import { ConfigurableJobsModule } from './jobs-module-definition';
import type {
  JobsModuleAsyncOptions,
  JobsModuleOptions,
} from './interfaces/jobs-module-options.interface';

const CORE_PROVIDERS: Provider[] = [
  {
    provide: JOBS_CONFIG,
    useFactory: (options: JobsModuleOptions, role?: WorkerProcessRole) =>
      resolveJobsConfig(options, process.env, role),
    // Present only in a process that bootstrapWorker started.
    inject: [JOBS_MODULE_OPTIONS, { token: JOBS_WORKER_ROLE, optional: true }],
  },
  JobsMetadataAccessor,
  JobHandlerRegistry,
  JobsExplorer,
  JobsQueueRegistry,
  JobRouting,
  JobProducer,
  PayloadValidator,
  ControlChannel,
  WorkerRegistry,
  JobsWorkerManager,
  JobSchedules,
  JobsMonitor,
  JobService,
  ProcessPoolSupervisor,
  JobsInternals,
];

/**
 * Named queues, each served by its own pool of workers. Global: `JobService` can be injected
 * anywhere once the module is imported. Options come from `forRoot` or `forRootAsync`
 * (`jobs-module-definition.ts`); the providers below are the same on both paths.
 * @example
 * JobsModule.forRoot({ queues: { default: 2, high_priority: 8 } })
 */
@Module({
  imports: [DiscoveryModule],
  providers: CORE_PROVIDERS,
  // JobsInternals is for the admin, metrics and health modules; no package entry exports its class.
  exports: [JobService, JobsInternals],
})
export class JobsModule extends ConfigurableJobsModule {
  /**
   * Configures the module with options known up front. `forRoot()` alone is single-queue mode.
   * `@InjectQueue(name)` works for every queue in `options.queues`.
   */
  static forRoot(options: JobsModuleOptions = {}): DynamicModule {
    return super.forRoot({
      ...options,
      queueNames: Object.keys(options?.queues ?? {}),
    });
  }

  /**
   * Configures the module from `useFactory` (with `inject`), `useClass` or `useExisting` (a
   * `JobsOptionsFactory`), for options that come from `ConfigService` and the like. List
   * `queueNames` for `@InjectQueue(name)`: tokens must be known before the factory runs.
   * @example
   * JobsModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ connection: config.get('REDIS_URL') }),
   * })
   */
  static forRootAsync(options: JobsModuleAsyncOptions): DynamicModule {
    assertAsyncOptions('JobsModule.forRootAsync', 'createJobsOptions', options);
    return super.forRootAsync(options);
  }
}
