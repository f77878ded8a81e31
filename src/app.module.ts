import { randomBytes } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import {
  JobsAdminModule,
  JobsModule,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { JobsMetricsModule } from 'nestjs-jobs/metrics';
import { JobsHealthModule } from 'nestjs-jobs/health';
import { BackupJobs } from './jobs/backup.jobs';
import { DiscoveryJobs } from './jobs/discovery.jobs';
import { ReportJobs } from './jobs/report.jobs';
import { JobsController } from './http/jobs.controller';
import { DashboardModule } from './dashboard/dashboard.module';

/**
 * The demo's queues, NetBox-style: urgent work gets many slots, slow work few, everything else
 * `default`. Redis comes from REDIS_URL and the served queues from JOBS_WORKERS (the library reads both).
 */
export const DEMO_JOBS_OPTIONS: JobsModuleOptions = {
  queues: {
    default: 2,
    high_priority: 8,
    low_priority: 2,
    // CPU-bound reports run in worker processes of their own, one to two as the backlog asks:
    // `npm run worker` (run by `npm start`) supervises them.
    reports: { concurrency: 1, processes: { min: 1, max: 2 } },
  },
  prefix: process.env.JOBS_PREFIX || 'netbox-demo',
};

/** True when JOBS_ADMIN_TOKEN is unset and the demo made up a token for this run (main.ts writes it to a 0600 file and logs the path). */
export const DEMO_ADMIN_TOKEN_GENERATED = !process.env.JOBS_ADMIN_TOKEN;

/** The admin token (admin API and dashboard): JOBS_ADMIN_TOKEN, else a random one per process, never a fixed default. */
export const DEMO_ADMIN_TOKEN =
  process.env.JOBS_ADMIN_TOKEN || randomBytes(24).toString('base64url');

/** JOBS_DASHBOARD_ORIGINS: public origins of the dashboard behind a proxy, e.g. `https://ops.example.com` (comma-separated). */
export const DEMO_DASHBOARD_ORIGINS = (process.env.JOBS_DASHBOARD_ORIGINS ?? '')
  .split(',')
  .map((o) => o.trim())
  .filter(Boolean);

/** The network-inventory demo. `overrides` lets tests point it at their own Redis prefix. */
@Module({})
export class AppModule {
  static register(overrides: JobsModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        JobsModule.forRoot({ ...DEMO_JOBS_OPTIONS, ...overrides }),
        // /admin/jobs/* (Authorization: Bearer $JOBS_ADMIN_TOKEN), /metrics, /health.
        JobsAdminModule.register({
          path: 'admin/jobs',
          token: DEMO_ADMIN_TOKEN,
        }),
        JobsMetricsModule.register(),
        JobsHealthModule.register({ path: 'health' }),
        // bull-board at /admin/queues, same token (Bearer, or Basic admin:<token> in a browser).
        DashboardModule.register({
          token: DEMO_ADMIN_TOKEN,
          origins: DEMO_DASHBOARD_ORIGINS,
          queues: [
            ...new Set([
              'default',
              ...Object.keys(
                overrides.queues ?? DEMO_JOBS_OPTIONS.queues ?? {},
              ),
            ]),
          ],
        }),
      ],
      providers: [BackupJobs, DiscoveryJobs, ReportJobs],
      controllers: [JobsController],
    };
  }
}
