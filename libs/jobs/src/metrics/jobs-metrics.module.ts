import { DynamicModule, Module } from '@nestjs/common';
import { createJobsMetricsController } from './jobs-metrics.controller';
import { JOBS_METRICS_OPTIONS, JobsMetrics, type JobsMetricsOptions } from './jobs-metrics.service';

/**
 * Prometheus metrics of `JobsModule`'s queues and jobs, served at `/metrics` unless told otherwise.
 * Needs the optional peer `prom-client`; import it from `nestjs-jobs/metrics`.
 * @example
 * JobsMetricsModule.register()                          // GET /metrics, own registry
 * JobsMetricsModule.register({ registry: register })    // prom-client's global registry
 */
@Module({})
export class JobsMetricsModule {
  static register(options: JobsMetricsOptions = {}): DynamicModule {
    const path = options.path ?? 'metrics';
    return {
      module: JobsMetricsModule,
      controllers: path === false ? [] : [createJobsMetricsController(path)],
      providers: [{ provide: JOBS_METRICS_OPTIONS, useValue: options }, JobsMetrics],
      exports: [JobsMetrics],
    };
  }
}
