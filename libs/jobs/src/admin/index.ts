// `nestjs-jobs/admin` (also re-exported by `nestjs-jobs`): the opt-in REST admin API.
/** The admin API module: `register` / `registerAsync`, every route behind the bearer token. */
export { JobsAdminModule } from './jobs-admin.module';
/** Guard for routes of your own, with the admin token (import `JobsAdminModule` where you use it). */
export { JobsAdminGuard } from './jobs-admin.guard';
/** The same token check outside Nest's DI, such as for a dashboard mount. */
export { createAdminTokenCheck } from './jobs-admin-auth';
export type { AdminTokenCheck } from './jobs-admin-auth';
/** Options of `register` / `registerAsync`: the factory's options, the import-time `path`, and the `useClass` contract. */
export type {
  JobsAdminOptions,
  JobsAdminAsyncOptions,
  JobsAdminOptionsFactory,
  JobsAdminMount,
} from './jobs-admin-options.interface';
/** Answers of the job listing routes. */
export type { JobSummary, JobPage } from './jobs-admin.service';
