import { UnrecoverableError } from 'bullmq';

/**
 * What the processor hands BullMQ for an error that must end the job now, whatever attempts are
 * left (a cancel). BullMQ only skips retries for an `UnrecoverableError` (by class or by name), and
 * the public error stays a `JobsError`: so this carrier is the `UnrecoverableError`, with the
 * original's name, message and stack (the `failed` event, the failed reason and the stored
 * stacktrace read the same) and the original as `cause`.
 */
export class FinalFailure extends UnrecoverableError {
  constructor(override readonly cause: Error) {
    super(cause.message);
    this.name = cause.name;
    this.stack = cause.stack;
  }
}

/**
 * The one rule for "this failure is final" (no attempt left, or a failure BullMQ does not retry),
 * read in a worker's `failed` event by `stats().lastMinute` and by the metrics. BullMQ stamps
 * `finishedOn` on the job exactly when it moves it to failed for good, whatever the reason (attempts
 * used up, an `UnrecoverableError`, a backoff that gives up); a retried attempt has none.
 */
export function failedForGood(job: { finishedOn?: number | null }): boolean {
  return Boolean(job.finishedOn);
}
