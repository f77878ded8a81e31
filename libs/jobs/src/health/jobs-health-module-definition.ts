import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createJobsHealthController } from './jobs-health.controller';
import { JOBS_HEALTH_OPTIONS } from './jobs-health.indicator';
import type {
  JobsHealthMount,
  JobsHealthOptions,
} from './jobs-health-options.interface';

/**
 * `JobsHealthModule.register` / `registerAsync` (useFactory, useClass, useExisting with
 * `createJobsHealthOptions()`). `path` is an extra, given at import time on both: routes are fixed at boot.
 */
export const { ConfigurableModuleClass: ConfigurableJobsHealthModule } =
  new ConfigurableModuleBuilder<JobsHealthOptions>({
    optionsInjectionToken: JOBS_HEALTH_OPTIONS,
  })
    .setFactoryMethodName('createJobsHealthOptions')
    .setExtras<JobsHealthMount>(
      { path: undefined },
      (definition, { path }) => ({
        ...definition,
        controllers: path ? [createJobsHealthController(path)] : [],
      }),
    )
    .build();
