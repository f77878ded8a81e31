import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bull-shared';
import { DEFAULT_QUEUE, JOBS_MODULE_OPTIONS } from './jobs.constants';
import { JobsQueueRegistry } from './queues/jobs-queue.registry';
import type { JobsModuleOptions } from './interfaces/jobs-module-options.interface';

/** Fixed when the module is imported, not options: Nest needs every provider token before any factory runs. */
interface JobsModuleExtras {
  /** Queues registered under `@nestjs/bullmq`'s tokens. `forRoot` fills it from `options.queues`. */
  queueNames: string[];
}

/**
 * `JobsModule.forRoot` / `forRootAsync` (useFactory, useClass, useExisting with `createJobsOptions()`).
 * Options are provided under `JOBS_MODULE_OPTIONS`, raw; `JOBS_CONFIG` validates them once at start-up.
 */
export const { ConfigurableModuleClass: ConfigurableJobsModule } =
  new ConfigurableModuleBuilder<JobsModuleOptions>({
    optionsInjectionToken: JOBS_MODULE_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createJobsOptions')
    .setExtras<JobsModuleExtras>(
      { queueNames: [] },
      (definition, { queueNames }) => {
        // Under @nestjs/bullmq's tokens, so @InjectQueue(name) and bull-board find the queues.
        const queueProviders: Provider[] = [
          ...new Set([DEFAULT_QUEUE, ...(queueNames ?? [])]),
        ].map((name) => ({
          provide: getQueueToken(name),
          useFactory: (registry: JobsQueueRegistry) => registry.get(name),
          inject: [JobsQueueRegistry],
        }));
        return {
          ...definition,
          global: true,
          providers: [...(definition.providers ?? []), ...queueProviders],
          exports: [
            ...(definition.exports ?? []),
            ...queueProviders.map((p) => (p as { provide: string }).provide),
          ],
        };
      },
    )
    .build();
