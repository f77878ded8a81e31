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
}
