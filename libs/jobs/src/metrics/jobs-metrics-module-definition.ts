import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createJobsMetricsController } from './jobs-metrics.controller';
import { JOBS_METRICS_OPTIONS } from './jobs-metrics.service';
import type {
  JobsMetricsMount,
  JobsMetricsOptions,
} from './jobs-metrics-options.interface';

const DEFAULT_PATH = 'metrics';

/**
 * `JobsMetricsModule.register` / `registerAsync` (useFactory, useClass, useExisting with
 * `createJobsMetricsOptions()`). `path` is an extra, given at import time on both: routes are fixed at boot.
 */
export const { ConfigurableModuleClass: ConfigurableJobsMetricsModule } =
  new ConfigurableModuleBuilder<JobsMetricsOptions>({
    optionsInjectionToken: JOBS_METRICS_OPTIONS,
  })
    .setFactoryMethodName('createJobsMetricsOptions')
    .setExtras<JobsMetricsMount>(
      { path: DEFAULT_PATH },
      (definition, { path }) => {
        const mount = path ?? DEFAULT_PATH;
        return {
          ...definition,
          controllers:
            mount === false ? [] : [createJobsMetricsController(mount)],
        };
      },
    )
    .build();
