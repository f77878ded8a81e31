import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';

/** Options of `JobsHealthModule.register`, or from a `registerAsync` factory. */
export interface JobsHealthOptions {
  /** How long Redis may take to answer PING before the check is down. Default 1000 ms. */
  timeoutMs?: number;
}

/** Where the ready-made check is mounted. Fixed at import time: Nest reads routes at boot. */
export interface JobsHealthMount {
  /** Route of a ready-made terminus health check (e.g. `'health'`), or none (default) to compose your own. */
  path?: string;
}

/** A class that gives `JobsHealthModule.registerAsync({ useClass })` or `({ useExisting })` its options. */
export interface JobsHealthOptionsFactory {
  createJobsHealthOptions(): JobsHealthOptions | Promise<JobsHealthOptions>;
}

/**
 * Options of `JobsHealthModule.registerAsync`: one of `useFactory` (with `inject`), `useClass` or
 * `useExisting`, plus `path` (not from the factory).
 */
export interface JobsHealthAsyncOptions
  extends
    ConfigurableModuleAsyncOptions<
      JobsHealthOptions,
      'createJobsHealthOptions'
    >,
    JobsHealthMount {}
