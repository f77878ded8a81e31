import type { BackoffOptions } from 'bullmq';

/**
 * Job name → payload type. Augment it to get compile-time checks on `enqueue`:
 * @example
 * declare module 'nestjs-jobs' {
 *   interface JobPayloads { backup: BackupPayload }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: apps declare their jobs by merging into it
export interface JobPayloads {}

/** The payload type of job `N`: the declared type, or `unknown` for undeclared names. */
export type JobData<N extends string> = N extends keyof JobPayloads
  ? JobPayloads[N]
  : unknown;

/** Options of one enqueued job. They override the handler's options. */
export interface EnqueueOptions {
  /** Milliseconds to wait before the job may run. */
  delay?: number;
  /** When the job may run. A time in the past runs now. Not together with `delay`. */
  runAt?: Date;
  /** 1 (highest) to 2 097 152. Jobs without a priority run before prioritised ones, as in BullMQ. */
  priority?: number;
  /** Total attempts, the first included. Default: the handler's `attempts`, else 1. */
  attempts?: number;
  /** Wait between attempts: milliseconds, or BullMQ's `{ type: 'fixed' | 'exponential', delay }`. */
  backoff?: number | BackoffOptions;
  /** Your own id. A job with the same id enqueued again is not added twice. */
  jobId?: string;
  /** Milliseconds one attempt may run before it fails with `JobTimeoutError`. Overrides the handler's. */
  timeout?: number;
  /**
   * At most one job per key: while a job with this key is waiting, delayed or running, enqueueing
   * another returns the existing job's ref and adds nothing (NetBox's `enqueue_once`).
   */
  uniqueKey?: string;
  /**
   * With `uniqueKey`: the window in milliseconds, counted from the first enqueue, during which
   * duplicates are dropped, even after that job finished.
   */
  uniqueFor?: number;
}

/** What `JobService.enqueue` takes. */
export interface JobRequest<N extends string = string> {
  name: N;
  data?: JobData<N>;
  options?: EnqueueOptions;
}

/** A handle on an enqueued job. */
export interface JobRef {
  id: string;
  name: string;
  queue: string;
}

/** Where a job is in its life. `waiting` includes prioritised jobs. */
export type JobStatus =
  'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

/** What `JobService.get` returns. */
export interface JobInfo<R = unknown> extends JobRef {
  status: JobStatus;
  data: unknown;
  /** The handler's return value once completed, else `null`. */
  result: R | null;
  /** The last attempt's error message, else `null`. */
  error: string | null;
  /** Attempts that have ended, successful or not. */
  attemptsMade: number;
  progress: number | object;
  /** Lines written with `ctx.log`. */
  logs: string[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What a handler gets beside its payload. */
export interface JobContext {
  id: string;
  name: string;
  queue: string;
  /** 1 on the first attempt, 2 on the first retry, and so on. */
  attempt: number;
  /**
   * Aborts when the job is cancelled (reason: the cancel reason, or `'cancelled'`), times out
   * (`'timeout'`), or is still running when shutdown's `shutdownGraceMs` ends (`'shutdown'`).
   * Created on first read, so handlers that never look at it cost nothing.
   */
  signal: AbortSignal;
  /** Appends a line to the job's log (readable through `JobService.get`). Works detached: `const { log } = ctx`. */
  log: (message: string) => Promise<void>;
  /** Records progress: a number (such as a percentage) or an object. Works detached, like `log`. */
  progress: (value: number | object) => Promise<void>;
  /**
   * With the module's `telemetry` set: the context the job runs in (with bullmq-otel, an
   * OpenTelemetry `Context` whose span is the job's `process` span, a child of the `enqueue` caller's
   * span even in another process). The handler also runs inside it, so `trace.getActiveSpan()` and
   * spans it starts are already in the job's trace; this is for work that leaves that async context,
   * such as `propagation.inject(ctx.traceContext as Context, headers)`. `undefined` without telemetry.
   */
  readonly traceContext?: unknown;
}
