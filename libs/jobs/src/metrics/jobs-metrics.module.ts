import { DynamicModule, Module } from '@nestjs/common';
import { assertAsyncOptions } from '../utils/async-options';
import { JobsMetrics } from './jobs-metrics.service';
import { ConfigurableJobsMetricsModule } from './jobs-metrics-module-definition';
import type {
  JobsMetricsAsyncOptions,
  JobsMetricsMount,
  JobsMetricsOptions,
} from './jobs-metrics-options.interface';

/**
 * Prometheus metrics of `JobsModule`'s queues and jobs, served at `/metrics` unless told otherwise.
 * Needs the optional peer `prom-client`; import it from `nestjs-jobs/metrics`.
 * @example
 * JobsMetricsModule.register()                          // GET /metrics, own registry
 * JobsMetricsModule.register({ registry: register })    // prom-client's global registry
 */
@Module({
  providers: [JobsMetrics],
  exports: [JobsMetrics],
})
export class JobsMetricsModule extends ConfigurableJobsMetricsModule {
  static register(
    options: JobsMetricsOptions & JobsMetricsMount = {},
  ): DynamicModule {
    return super.register(options);
  }

  /**
   * Options from `useFactory`, `useClass` or `useExisting` (e.g. a prefix from `ConfigService`); `path`
   * is given here, as routes are fixed at boot.
   * @example
   * JobsMetricsModule.registerAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => ({ prefix: c.get('METRICS_PREFIX') }) })
   */
  static registerAsync(options: JobsMetricsAsyncOptions): DynamicModule {
    assertAsyncOptions(
      'JobsMetricsModule.registerAsync',
      'createJobsMetricsOptions',
      options,
    );
    return super.registerAsync(options);
  }
}
