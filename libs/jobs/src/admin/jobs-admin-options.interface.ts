import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';

/** Options of `JobsAdminModule.register`. */
export interface JobsAdminOptions {
  /** Bearer token every request must carry (`Authorization: Bearer <token>`). Use a long random secret. */
  token: string;
}

/** A class that gives `JobsAdminModule.registerAsync({ useClass })` or `({ useExisting })` its options. */
export interface JobsAdminOptionsFactory {
  createJobsAdminOptions(): JobsAdminOptions | Promise<JobsAdminOptions>;
}

/**
 * Options of `JobsAdminModule.registerAsync`, for a token from `ConfigService` and the like: one of
 * `useFactory` (with `inject`), `useClass` or `useExisting`, plus `path` (not from the factory).
 */
export interface JobsAdminAsyncOptions
  extends
    ConfigurableModuleAsyncOptions<JobsAdminOptions, 'createJobsAdminOptions'>,
    JobsAdminMount {}

/** Where the admin API is mounted, e.g. `'admin/jobs'` (the default). Fixed at import time: Nest reads routes at boot. */
export interface JobsAdminMount {
  path?: string;
}
