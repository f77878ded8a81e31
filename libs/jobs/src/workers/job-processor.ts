import { UnrecoverableError, type Job, type Telemetry } from 'bullmq';
import { Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import { JobTimeoutError } from '../errors/job-timeout.error';
import { JobCancelledError } from '../errors/job-cancelled.error';
import { DEFAULT_JOB_TIMEOUT_MS } from '../jobs.constants';
import type { JobHandlerRegistry } from '../job-handler.registry';
import type { PayloadValidator } from '../payload/payload-validator';
import type { JobContext } from '../interfaces/job.interface';
import { readJobTimeout } from '../utils/enqueue-options';
import { DeadlineTimer, type Expiring } from '../utils/deadline-timer';
import type { CancelledJobs } from './cancelled-jobs';
import { checkJobResult, toHandlerError } from './job-outcome';
import { FinalFailure } from './final-failure';

/**
 * A job's `ctx.signal`, created only if the handler reads it. An `AbortController` per job is the
 * largest single cost of a no-op job (which is why the processor does not take BullMQ's signal).
 */
export class LazyAbortSignal {
  private controller?: AbortController;
  private reason?: string;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** One running attempt: its promise settles once, by the handler, a timeout, a cancel, or not at all when abandoned. */
class RunningJob implements Expiring {
  readonly settled: Promise<unknown>;
  private open = true;
  private resolve!: (value: unknown) => void;
  private reject!: (error: unknown) => void;

  constructor(
    private readonly owner: InFlightJobs,
    readonly id: string,
    readonly signal: LazyAbortSignal,
    readonly timeoutMs: number,
    readonly deadline: number,
  ) {
    this.settled = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  succeed(value: unknown): void {
    if (this.close()) this.resolve(value);
  }

  /** Ends the attempt with `error`, now, whatever the handler does later. */
  fail(error: unknown): void {
    if (this.close()) this.reject(error);
  }

  /** Forgets the attempt: it never ends here, and whatever the handler does later is discarded. */
  abandon(): void {
    this.close();
  }

  expire(): void {
    this.signal.abort('timeout');
    this.fail(new JobTimeoutError(this.timeoutMs));
  }

  /** Whether this call is the one that ends the attempt. */
  private close(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.owner.forget(this);
    return true;
  }
}

/**
 * Jobs one worker is running now: so shutdown can wait for them and name those it leaves behind,
 * and so a timeout or a cancel can end one. One `DeadlineTimer` serves every job's timeout.
 */
export class InFlightJobs {
  private readonly running = new Map<string, RunningJob>();
  private readonly deadlines = new DeadlineTimer<RunningJob>();

  /**
   * Runs `work` as job `id`, for at most `timeoutMs`. The returned promise settles when the handler
   * does, or as soon as the job times out or is stopped: then the worker slot is freed even if the
   * handler ignores its signal, and whatever it returns later is discarded.
   */
  run<T>(
    id: string,
    work: Promise<T>,
    signal: LazyAbortSignal,
    timeoutMs: number,
    checkResult?: (value: T) => T,
  ): Promise<T> {
    const job = new RunningJob(
      this,
      id,
      signal,
      timeoutMs,
      Date.now() + timeoutMs,
    );
    this.running.set(id, job);
    this.deadlines.add(job);
    work.then(
      (value) => {
        // Checked here rather than in a promise chained after: one promise less per job.
        let result = value;
        try {
          if (checkResult) result = checkResult(value);
        } catch (error) {
          return job.fail(error);
        }
        job.succeed(result);
      },
      // The one place a handler's rejection is taken: whatever it threw becomes an Error here.
      (error) => job.fail(toHandlerError(error)),
    );
    return job.settled as Promise<T>;
  }

  /** Aborts job `id`'s signal with `reason` and ends the attempt with `error`, if it runs here. Returns whether it did. */
  stop(id: string, error: Error, reason: string): boolean {
    const job = this.running.get(id);
    if (!job) return false;
    job.signal.abort(reason);
    job.fail(error);
    return true;
  }

  /**
   * At a shutdown deadline: aborts every running job's signal, so handlers that honour it stop, and
   * lets go of the jobs. Their attempts never end here (BullMQ neither completes nor fails them);
   * their locks expire and another worker's stalled check puts them back in the queue.
   */
  abandonAll(reason: string): void {
    for (const job of [...this.running.values()]) {
      job.signal.abort(reason);
      job.abandon();
    }
  }

  /** Drops an attempt that ended. */
  forget(job: RunningJob): void {
    // A timed-out job may already run again here under the same id: only remove our own entry.
    if (this.running.get(job.id) === job) this.running.delete(job.id);
    this.deadlines.delete(job);
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves true when every running job has settled, false when `ms` passed first. */
  async settle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), ms)),
    );
    const all = Promise.allSettled(
      [...this.running.values()].map((j) => j.settled),
    ).then(() => true as const);
    try {
      return await Promise.race([all, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A handler's `ctx`. A class rather than an object literal with a getter, which V8 builds slowly.
 * `log` and `progress` are made on first read (most handlers use neither), each bound to the job,
 * so that destructuring them keeps working.
 */
class RunContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly #job: Job;
  readonly #abort: LazyAbortSignal;
  #log?: (message: string) => Promise<void>;
  #progress?: (value: number | object) => Promise<void>;

  constructor(
    job: Job,
    readonly queue: string,
    abort: LazyAbortSignal,
    readonly traceContext: unknown,
  ) {
    this.id = job.id!;
    this.name = job.name;
    this.attempt = job.attemptsMade + 1;
    this.#job = job;
    this.#abort = abort;
  }

  get log(): (message: string) => Promise<void> {
    const job = this.#job;
    return (this.#log ??= async (message) => {
      await job.log(String(message));
    });
  }

  get progress(): (value: number | object) => Promise<void> {
    const job = this.#job;
    return (this.#progress ??= (value) => job.updateProgress(value));
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

/** What the processor needs from the worker it runs in. */
export interface ProcessorHost {
  queue: string;
  handlers: JobHandlerRegistry;
  payloads: PayloadValidator;
  inFlight: InFlightJobs;
  /** A larger result fails the attempt with `JobResultTooLargeError` (the app's `maxPayloadBytes`). */
  maxResultBytes?: number;
  /** Cancels that arrived before the job started here (durable cancel). */
  cancelled?: CancelledJobs;
  /** The module's `telemetry`: BullMQ calls the processor inside the job's span, read here for `ctx.traceContext`. */
  telemetry?: Telemetry;
}

/**
 * The BullMQ processor of one queue: dispatches each job by name to its registered handler. Only
 * registered handlers can run; job data never names code. A handler's error reaches BullMQ
 * untouched, so retries and `failed` work as configured.
 */
export function createJobProcessor(host: ProcessorHost) {
  const { queue, handlers, payloads, inFlight, cancelled, telemetry } = host;
  // One parameter on purpose: BullMQ creates an AbortController per job for a processor that takes a third.
  const processor = (job: Job): Promise<unknown> => {
    const handler = handlers.get(job.name);
    if (!handler)
      return Promise.reject(
        new UnrecoverableError(Messages.noHandlerAtWorker(job.name)),
      );
    let data: unknown = job.data;
    if (handler.options.payload) {
      try {
        data = payloads.toInstance(job.name, job.data, handler.options.payload);
      } catch (error) {
        // Bad data fails the same way on every attempt, so retrying is pointless.
        const message =
          error instanceof JobValidationError ? error.message : String(error);
        return Promise.reject(new UnrecoverableError(message));
      }
    }
    const id = job.id!;
    const abort = new LazyAbortSignal();
    const ctx = new RunContext(
      job,
      queue,
      abort,
      telemetry === undefined ? undefined : telemetry.contextManager.active(),
    );
    const timeoutMs =
      readJobTimeout(job.opts) ??
      handler.options.timeout ??
      DEFAULT_JOB_TIMEOUT_MS;
    const maxResultBytes = host.maxResultBytes;
    return inFlight.run(
      id,
      handler.invoke(data, ctx),
      abort,
      timeoutMs,
      maxResultBytes === undefined
        ? undefined
        : (result) => checkJobResult(job.name, result, maxResultBytes),
    );
  };
  if (!cancelled) return processor;
  // A cancelled job fails with JobCancelledError (not retried) instead of starting.
  return (job: Job): Promise<unknown> => {
    const cancel = cancelled.check(job);
    if (cancel === undefined) return processor(job);
    if (cancel instanceof JobCancelledError)
      return Promise.reject(new FinalFailure(cancel));
    return cancel.then((error) =>
      error ? Promise.reject(new FinalFailure(error)) : processor(job),
    );
  };
}

/**
 * Cancels job `id` if it runs in this worker: aborts its signal and fails it without retry.
 * Otherwise remembers the cancel, in case the job is about to start here.
 */
export function cancelRunningJob(
  host: ProcessorHost,
  id: string,
  reason?: string,
  createdAt?: number,
): boolean {
  const stopped = host.inFlight.stop(
    id,
    new FinalFailure(new JobCancelledError(reason)),
    reason ?? 'cancelled',
  );
  if (!stopped) host.cancelled?.remember(id, reason, createdAt);
  return stopped;
}
