import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { Registry } from 'prom-client';

/** Options of `JobsMetricsModule.register`, or from a `registerAsync` factory. */
export interface JobsMetricsOptions {
  /** Registry to register on. Default: a registry of its own, so apps in one process never clash. */
  registry?: Registry;
  /** Metric name prefix. Default `nestjs_jobs_`. */
  prefix?: string;
  /** Histogram buckets in seconds. */
  buckets?: { wait?: number[]; run?: number[] };
}

/** Where the scrape endpoint is mounted. Fixed at import time: Nest reads routes at boot. */
export interface JobsMetricsMount {
  /** Route of the scrape endpoint, or `false` for none (serve `JobsMetrics.registry` yourself). Default `metrics`. */
  path?: string | false;
}

/** A class that gives `JobsMetricsModule.registerAsync({ useClass })` or `({ useExisting })` its options. */
export interface JobsMetricsOptionsFactory {
  createJobsMetricsOptions(): JobsMetricsOptions | Promise<JobsMetricsOptions>;
}

/**
 * Options of `JobsMetricsModule.registerAsync`: one of `useFactory` (with `inject`), `useClass` or
 * `useExisting`, plus `path` (not from the factory).
 */
export interface JobsMetricsAsyncOptions
  extends
    ConfigurableModuleAsyncOptions<
      JobsMetricsOptions,
      'createJobsMetricsOptions'
    >,
    JobsMetricsMount {}
