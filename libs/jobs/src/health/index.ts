// `nestjs-jobs/health`: a separate entry point, so apps without @nestjs/terminus can import `nestjs-jobs`.
/** Provides `JobsHealthIndicator`, and optionally a health route. */
export { JobsHealthModule } from './jobs-health.module';
/** Terminus indicator: Redis answers PING in time and every queue this process serves has a running worker. */
export { JobsHealthIndicator } from './jobs-health.indicator';
/** Options of `JobsHealthModule.register`. */
export type { JobsHealthOptions } from './jobs-health.indicator';
