import { DynamicModule, Module } from '@nestjs/common';
import { assertAsyncOptions } from '../utils/async-options';
import { checkAdminToken } from '../config/admin-options';
import { JobsAdminAuth } from './jobs-admin-auth';
import { JobsAdminGuard } from './jobs-admin.guard';
import { JobsAdminService } from './jobs-admin.service';
import { ConfigurableJobsAdminModule } from './jobs-admin-module-definition';
import type {
  JobsAdminAsyncOptions,
  JobsAdminMount,
  JobsAdminOptions,
} from './jobs-admin-options.interface';

/**
 * Opt-in REST admin API over `JobsModule`'s queues: stats, jobs by status, job detail, retry,
 * cancel, pause/resume, live workers. Every route needs the bearer token.
 * @example
 * JobsAdminModule.register({ path: 'admin/jobs', token: process.env.JOBS_ADMIN_TOKEN! })
 */
@Module({
  providers: [JobsAdminAuth, JobsAdminGuard, JobsAdminService],
  exports: [JobsAdminAuth, JobsAdminGuard],
})
export class JobsAdminModule extends ConfigurableJobsAdminModule {
  static register(options: JobsAdminOptions & JobsAdminMount): DynamicModule {
    // Checked now, before JobsModule opens any connection, so a bad token cannot leave one open.
    checkAdminToken(options);
    return super.register(options);
  }

  /**
   * The token from `useFactory`, `useClass` or `useExisting` (e.g. `ConfigService`); the path is given
   * here, as routes are fixed at boot. The token is checked when `JobsAdminAuth` is built, at boot.
   */
  static registerAsync(options: JobsAdminAsyncOptions): DynamicModule {
    assertAsyncOptions(
      'JobsAdminModule.registerAsync',
      'createJobsAdminOptions',
      options,
    );
    return super.registerAsync(options);
  }
}
