export { JobsAdminModule } from './jobs-admin.module';
export { JobsAdminAuth } from './jobs-admin-auth';
export { JobsAdminGuard } from './jobs-admin.guard';
export type {
  JobsAdminOptions,
  JobsAdminAsyncOptions,
  JobsAdminOptionsFactory,
  JobsAdminMount,
} from './jobs-admin-options.interface';
export type { JobSummary, JobPage } from './jobs-admin.service';
