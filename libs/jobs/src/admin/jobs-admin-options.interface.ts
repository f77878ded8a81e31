import type { ModuleMetadata } from '@nestjs/common';

/** Options of `JobsAdminModule.register`. */
export interface JobsAdminOptions {
  /** Bearer token every request must carry (`Authorization: Bearer <token>`). Use a long random secret. */
  token: string;
}

/** Options of `JobsAdminModule.registerAsync`, for a token from `ConfigService` and the like. */
export interface JobsAdminAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: any[]) => JobsAdminOptions | Promise<JobsAdminOptions>;
  inject?: any[];
}

/** Where the admin API is mounted, e.g. `'admin/jobs'` (the default). Fixed at import time: Nest reads routes at boot. */
export interface JobsAdminMount {
  path?: string;
}
