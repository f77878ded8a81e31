import { Controller, Get, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { JobsHealthIndicator } from './jobs-health.indicator';

/** A controller answering terminus's check of `JobsHealthIndicator` at `path`: 200 or 503. */
export function createJobsHealthController(path: string): Type<unknown> {
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
