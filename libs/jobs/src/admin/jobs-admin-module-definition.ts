import { ConfigurableModuleBuilder } from '@nestjs/common';
import { checkAdminPath } from '../config/admin-options';
import { createJobsAdminController } from './jobs-admin.controller';
import { JOBS_ADMIN_OPTIONS } from './jobs-admin-auth';
import type {
  JobsAdminMount,
  JobsAdminOptions,
} from './jobs-admin-options.interface';

const DEFAULT_PATH = 'admin/jobs';

/**
 * `JobsAdminModule.register` / `registerAsync` (useFactory, useClass, useExisting with
 * `createJobsAdminOptions()`). `path` is an extra, given at import time on both: routes are fixed at boot.
 */
export const { ConfigurableModuleClass: ConfigurableJobsAdminModule } =
  new ConfigurableModuleBuilder<JobsAdminOptions>({
    optionsInjectionToken: JOBS_ADMIN_OPTIONS,
  })
    .setFactoryMethodName('createJobsAdminOptions')
    .setExtras<JobsAdminMount>(
      { path: DEFAULT_PATH },
      (definition, { path }) => {
        const mount = checkAdminPath(path ?? DEFAULT_PATH);
        return {
          ...definition,
          controllers: [createJobsAdminController(mount)],
        };
      },
    )
    .build();
