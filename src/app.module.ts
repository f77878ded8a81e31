import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule, type JobsModuleOptions } from 'nestjs-jobs';
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

/** The network-inventory demo. `overrides` lets tests point it at their own Redis prefix. */
@Module({})
export class AppModule {
  static register(overrides: JobsModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [JobsModule.forRoot({ ...DEMO_JOBS_OPTIONS, ...overrides })],
      providers: [BackupJobs, DiscoveryJobs, ReportJobs],
      controllers: [JobsController],
    };
  }
}
