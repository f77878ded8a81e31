// The public API of nestjs-jobs. Everything else is internal and may change.
export { JobsModule } from './jobs.module';
export { JobService } from './job.service';
export type { CancelOutcome } from './job.service';
export { JobHandler } from './decorators/job-handler.decorator';
export { bootstrapWorker, parseWorkerArgs } from './worker-bootstrap';
export type { WorkerProcessOptions } from './worker-bootstrap';
/** `forRoot` / `forRootAsync` options, one queue's options, and the connection forms. */
export type {
  JobsModuleOptions,
  JobsModuleAsyncOptions,
  JobsOptionsFactory,
  QueueConfig,
  QueueProcesses,
  ProcessScalingOptions,
  RetentionOptions,
  JobRetention,
  JobsConnection,
  JobsClusterConnection,
} from './interfaces/jobs-module-options.interface';
export type {
  JobHandlerOptions,
  JobRepeatOptions,
} from './interfaces/job-handler-options.interface';
export type { JobSchedule } from './interfaces/job-schedule.interface';
export type { WorkerInfo } from './interfaces/worker-info.interface';
/** One queue's counts, pause state, workers, latency and last-minute throughput, from `JobService.stats()`. */
export type { QueueStats } from './monitoring/queue-stats.interface';
export type {
  JobPayloads,
  JobData,
  JobRequest,
  JobRef,
  JobInfo,
  JobStatus,
  JobContext,
  EnqueueOptions,
} from './interfaces/job.interface';
export {
  JobsError,
  UnknownQueueError,
  UnknownJobError,
  JobValidationError,
  DuplicateJobHandlerError,
  JobsConfigurationError,
  JobsConnectionError,
  JobTimeoutError,
  JobCancelledError,
  JobResultTooLargeError,
  MissingPeerDependencyError,
} from './errors';
/** Exception filter for your own routes: 400 for bad job names, queues and data, 503 with Retry-After when Redis is away. */
export { JobsExceptionFilter } from './filters/jobs-exception.filter';
export type { JobsHttpError } from './filters/jobs-exception.filter';
/** Opt-in REST admin API (stats, jobs by status, retry, cancel, pause/resume, workers) behind a bearer token; also `nestjs-jobs/admin`. */
export * from './admin';
/** `getQueueToken(name)` / `@InjectQueue(name)` give the BullMQ `Queue` behind a configured queue. */
export { getQueueToken } from '@nestjs/bull-shared';
