import type { BackoffOptions } from 'bullmq';

/** Options of `@JobHandler(name, options)`. */
export interface JobHandlerOptions {
  /**
   * A class-validator class. Data is validated against it when enqueued and again in the worker,
   * and the handler receives an instance of it.
   */
  payload?: new (...args: any[]) => object;
  /** The queue this job goes to when neither the caller nor `routes` names one. */
  queue?: string;
  /** Total attempts, the first included. Default 1. */
  attempts?: number;
  /** Wait between attempts: milliseconds, or `{ type: 'fixed' | 'exponential', delay }`. */
  backoff?: number | BackoffOptions;
  /**
   * Milliseconds one attempt may run. Then `ctx.signal` aborts, the attempt fails with
   * `JobTimeoutError` (retries apply) and the worker slot is freed. Default 300 000 (5 minutes).
   */
  timeout?: number;
  /**
   * Run this job on a schedule, on its own queue: `{ every: '1h' }` (or milliseconds) or
   * `{ cron: '0 3 * * *', tz: 'Europe/Berlin' }`. Registered once at start-up however many
   * processes start; removing it removes the schedule at the next start.
   */
  repeat?: JobRepeatOptions;
}

/** A schedule for a recurring job. Give either `every` or `cron`. */
export interface JobRepeatOptions {
  /** An interval: milliseconds, or a string such as `'30s'`, `'5m'`, `'1h'`, `'1d'`. */
  every?: number | string;
  /** A cron expression (5 or 6 fields). */
  cron?: string;
  /** The time zone of `cron`, such as `'Europe/Berlin'`. Default: the server's. */
  tz?: string;
  /** The data each run gets. Validated against the handler's payload class at start-up. */
  data?: object;
}
