import { DynamicModule, Module } from '@nestjs/common';
import { JobsAdminModule, JobsModule, type JobsModuleOptions } from 'nestjs-jobs';
import { JobsMetricsModule } from 'nestjs-jobs/metrics';
import { JobsHealthModule } from 'nestjs-jobs/health';
import { BackupJobs } from './jobs/backup.jobs';
import { DiscoveryJobs } from './jobs/discovery.jobs';
import { ReportJobs } from './jobs/report.jobs';
import { JobsController } from './http/jobs.controller';

/**
 * The demo's queues, NetBox-style: urgent work gets many slots, slow work few, everything else
 * `default`. Redis comes from REDIS_URL and the served queues from JOBS_WORKERS (the library reads both).
 */
export const DEMO_JOBS_OPTIONS: JobsModuleOptions = {
  queues: { default: 2, high_priority: 8, low_priority: 2 },
  prefix: process.env.JOBS_PREFIX || 'netbox-demo',
};

/** The admin API's bearer token. The fallback is for local demos only (the demo listens on 127.0.0.1). */
export const DEMO_ADMIN_TOKEN = process.env.JOBS_ADMIN_TOKEN || 'demo-admin-token';

/** The network-inventory demo. `overrides` lets tests point it at their own Redis prefix. */
@Module({})
export class AppModule {
  static register(overrides: JobsModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        JobsModule.forRoot({ ...DEMO_JOBS_OPTIONS, ...overrides }),
        // /admin/jobs/* (Authorization: Bearer $JOBS_ADMIN_TOKEN), /metrics, /health.
        JobsAdminModule.register({ path: 'admin/jobs', token: DEMO_ADMIN_TOKEN }),
        JobsMetricsModule.register(),
        JobsHealthModule.register({ path: 'health' }),
      ],
      providers: [BackupJobs, DiscoveryJobs, ReportJobs],
      controllers: [JobsController],
    };
  }
}
