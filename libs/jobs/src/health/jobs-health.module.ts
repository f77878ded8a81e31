import { Controller, DynamicModule, Get, Module, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { JOBS_HEALTH_OPTIONS, JobsHealthIndicator, type JobsHealthOptions } from './jobs-health.indicator';

function createHealthController(path: string): Type<unknown> {
  @Controller()
  class JobsHealthController {
    constructor(
      private readonly health: HealthCheckService,
      private readonly jobs: JobsHealthIndicator,
    ) {}

    @Get(path)
    @HealthCheck()
    check() {
      return this.health.check([() => this.jobs.isHealthy('jobs')]);
    }
  }
  return JobsHealthController;
}

/**
 * Provides `JobsHealthIndicator` for `@nestjs/terminus` (an optional peer; import from
 * `nestjs-jobs/health`), and with `path` a ready-made check route answering 200 or 503.
 * @example
 * JobsHealthModule.register({ path: 'health', timeoutMs: 500 })
 */
@Module({})
export class JobsHealthModule {
  static register(options: JobsHealthOptions = {}): DynamicModule {
    return {
      module: JobsHealthModule,
      imports: [TerminusModule],
      controllers: options.path ? [createHealthController(options.path)] : [],
      providers: [{ provide: JOBS_HEALTH_OPTIONS, useValue: options }, JobsHealthIndicator],
      exports: [JobsHealthIndicator],
    };
  }
}
