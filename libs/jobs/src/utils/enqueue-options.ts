import type { JobsOptions } from 'bullmq';
import { Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { EnqueueOptions } from '../interfaces/job.interface';
import type { JobHandlerOptions } from '../interfaces/job-handler-options.interface';

const ENQUEUE_KEYS = ['delay', 'runAt', 'priority', 'attempts', 'backoff', 'jobId', 'timeout', 'uniqueKey', 'uniqueFor'];
/** Where our own per-job settings live inside BullMQ's job options. */
const OWN_OPTIONS = 'nestjsJobs';
const MAX_PRIORITY = 2_097_152;

/**
 * Checks a job's options and merges them over its handler's, into BullMQ's job options.
 * Throws `JobValidationError` naming the bad option.
 */
export function toBullJobOptions(
  jobName: string,
  jobId: string,
  options: EnqueueOptions | undefined,
  handler: JobHandlerOptions,
): JobsOptions {
  const bad = (option: string, value: unknown, expected: string): never => {
    throw new JobValidationError(Messages.invalidEnqueueOption(jobName, option, value, expected));
  };
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    bad('options', options, 'an object');
  }
  const opts: EnqueueOptions = options ?? {};
  for (const key of Object.keys(opts)) {
    if (!ENQUEUE_KEYS.includes(key)) bad(key, (opts as any)[key], `one of ${ENQUEUE_KEYS.join(', ')}`);
  }
  const out: JobsOptions = { jobId };
  if (opts.delay !== undefined && opts.runAt !== undefined) bad('runAt', opts.runAt, 'either delay or runAt, not both');
  if (opts.delay !== undefined) {
    if (!Number.isInteger(opts.delay) || opts.delay < 0) bad('delay', opts.delay, 'a non-negative integer (milliseconds)');
    out.delay = opts.delay;
  }
  if (opts.runAt !== undefined) {
    const at = opts.runAt as unknown;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) bad('runAt', at, 'a valid Date');
    // A time in the past runs now.
    const delay = (at as Date).getTime() - Date.now();
    if (delay > 0) out.delay = delay;
  }
  const timeout = opts.timeout ?? handler.timeout;
  if (timeout !== undefined) {
    if (!Number.isInteger(timeout) || timeout < 1) bad('timeout', timeout, 'a positive integer (milliseconds)');
    if (opts.timeout !== undefined) (out as Record<string, unknown>)[OWN_OPTIONS] = { timeout };
  }
  if (opts.uniqueFor !== undefined && opts.uniqueKey === undefined) bad('uniqueFor', opts.uniqueFor, 'to come with a uniqueKey');
  if (opts.uniqueKey !== undefined) {
    if (typeof opts.uniqueKey !== 'string' || opts.uniqueKey === '') bad('uniqueKey', opts.uniqueKey, 'a non-empty string');
    if (opts.uniqueFor !== undefined && (!Number.isInteger(opts.uniqueFor) || opts.uniqueFor < 1)) {
      bad('uniqueFor', opts.uniqueFor, 'a positive integer (milliseconds)');
    }
    out.deduplication = { id: opts.uniqueKey, ...(opts.uniqueFor !== undefined && { ttl: opts.uniqueFor }) };
  }
  if (opts.priority !== undefined) {
    if (!Number.isInteger(opts.priority) || opts.priority < 1 || opts.priority > MAX_PRIORITY) {
      bad('priority', opts.priority, `an integer from 1 (highest) to ${MAX_PRIORITY}`);
    }
    out.priority = opts.priority;
  }
  const attempts = opts.attempts ?? handler.attempts;
  if (attempts !== undefined) {
    if (!Number.isInteger(attempts) || attempts < 1) bad('attempts', attempts, 'a positive integer');
    out.attempts = attempts;
  }
  const backoff = opts.backoff ?? handler.backoff;
  if (backoff !== undefined) {
    checkBackoff(backoff, bad);
    out.backoff = backoff;
  }
  return out;
}

/** The per-enqueue timeout stored with a job, if any. */
export function readJobTimeout(opts: JobsOptions): number | undefined {
  return (opts as Record<string, { timeout?: number } | undefined>)[OWN_OPTIONS]?.timeout;
}

/** Checks a handler's own `attempts` and `backoff` at start-up, with the same rules as at enqueue. */
export function checkHandlerOptions(jobName: string, handler: JobHandlerOptions): void {
  if (handler.payload !== undefined && typeof handler.payload !== 'function') {
    throw new JobValidationError(Messages.invalidEnqueueOption(jobName, 'payload', handler.payload, 'a class decorated with class-validator'));
  }
  toBullJobOptions(jobName, 'start-up-check', undefined, handler);
}

/** Checks a caller-supplied job id against BullMQ's rules. */
export function checkJobId(jobName: string, jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.includes(':') || `${parseInt(jobId, 10)}` === jobId) {
    throw new JobValidationError(
      Messages.invalidEnqueueOption(jobName, 'jobId', jobId, 'a non-empty string that is not an integer and has no ":"'),
    );
  }
  return jobId;
}

function checkBackoff(backoff: unknown, bad: (option: string, value: unknown, expected: string) => never): void {
  const expected = 'milliseconds, or { type: "fixed" | "exponential", delay: milliseconds }';
  if (typeof backoff === 'number') {
    if (!Number.isInteger(backoff) || backoff < 0) bad('backoff', backoff, expected);
    return;
  }
  const b = backoff as { type?: unknown; delay?: unknown };
  if (typeof b !== 'object' || b === null || (b.type !== 'fixed' && b.type !== 'exponential')) bad('backoff', backoff, expected);
  if (b.delay !== undefined && (!Number.isInteger(b.delay) || (b.delay as number) < 0)) bad('backoff.delay', b.delay, expected);
}
