/** Metadata key of `@JobHandler`. Namespaced so it cannot clash with other libraries. */
export const JOB_HANDLER_METADATA = 'jobs:handler';
/** Injection token of the user's raw `JobsModuleOptions`. */
export const JOBS_MODULE_OPTIONS = Symbol('JOBS_MODULE_OPTIONS');
/** Injection token of the validated, defaulted configuration. */
export const JOBS_CONFIG = Symbol('JOBS_CONFIG');

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_PREFIX = 'jobs';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_MAX_PAYLOAD_BYTES = 512 * 1024;
export const DEFAULT_ENQUEUE_TIMEOUT_MS = 5_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
/** Process autoscaling: add a process once the next job has waited this long. */
export const DEFAULT_SCALE_UP_AFTER_MS = 2_000;
/** Process autoscaling: retire a process once no job has waited for this long. */
export const DEFAULT_SCALE_DOWN_AFTER_MS = 30_000;
/** Injection token of the worker entry's choices for this process (`WorkerProcessRole`). */
export const JOBS_WORKER_ROLE = Symbol('JOBS_WORKER_ROLE');
/** Like NetBox's RQ_DEFAULT_TIMEOUT. */
export const DEFAULT_JOB_TIMEOUT_MS = 300_000;
export const DEFAULT_RETENTION = {
  completed: { age: 24 * 60 * 60, count: 1_000 },
  failed: { age: 7 * 24 * 60 * 60, count: 10_000 },
} as const;
