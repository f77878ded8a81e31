import type { JobsOptions } from 'bullmq';
import { Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { EnqueueOptions } from '../interfaces/job.interface';
import type { JobHandlerOptions } from '../interfaces/job-handler-options.interface';
import { BULLMQ_KEY_NAMES, JOB_ID_CHARACTERS, MAX_JOB_ID_LENGTH, jobIdProblem } from './job-id';

const ENQUEUE_KEYS = ['delay', 'runAt', 'priority', 'attempts', 'backoff', 'jobId', 'timeout', 'uniqueKey', 'uniqueFor'];
/** Where our own per-job settings live inside BullMQ's job options. */
const OWN_OPTIONS = 'nestjsJobs';
const MAX_PRIORITY = 2_097_152;
/**
 * Longest wait this library stores: `delay`, `runAt`, `backoff` (every exponential step included) and
 * `uniqueFor`. A year covers any real schedule; beyond it a job is effectively never run, and Redis
 * refuses expiries near 2^63 ms.
 */
export const MAX_DELAY_MS = 365 * 24 * 60 * 60 * 1000;
/** Most attempts of one job: enough for any retry policy, and it bounds a job's stored stack traces. */
export const MAX_ATTEMPTS = 1_000;
/** Longest per-attempt `timeout`: setTimeout's limit, 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

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
  const atMost = (option: string, value: number, max: number, shown: string, why: string): void => {
    if (value > max) throw new JobValidationError(Messages.optionTooLarge(jobName, option, value, shown, why));
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
    atMost('delay', opts.delay, MAX_DELAY_MS, `${MAX_DELAY_MS} ms (a year)`, 'the longest wait a job may have');
    out.delay = opts.delay;
  }
  if (opts.runAt !== undefined) {
    const at = opts.runAt as unknown;
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) bad('runAt', at, 'a valid Date');
    // A time in the past runs now.
    const delay = (at as Date).getTime() - Date.now();
    if (delay > MAX_DELAY_MS) bad('runAt', at, 'a time at most a year from now');
    if (delay > 0) out.delay = delay;
  }
  const timeout = opts.timeout ?? handler.timeout;
  if (timeout !== undefined) {
    if (!Number.isInteger(timeout) || timeout < 1) bad('timeout', timeout, 'a positive integer (milliseconds)');
    atMost('timeout', timeout, MAX_TIMEOUT_MS, `${MAX_TIMEOUT_MS} ms (about 24.8 days)`, "setTimeout's limit");
    if (opts.timeout !== undefined) (out as Record<string, unknown>)[OWN_OPTIONS] = { timeout };
  }
  if (opts.uniqueFor !== undefined && opts.uniqueKey === undefined) bad('uniqueFor', opts.uniqueFor, 'to come with a uniqueKey');
  if (opts.uniqueKey !== undefined) {
    if (typeof opts.uniqueKey !== 'string' || opts.uniqueKey === '') bad('uniqueKey', opts.uniqueKey, 'a non-empty string');
    if (opts.uniqueFor !== undefined && (!Number.isInteger(opts.uniqueFor) || opts.uniqueFor < 1)) {
      bad('uniqueFor', opts.uniqueFor, 'a positive integer (milliseconds)');
    }
    if (opts.uniqueFor !== undefined) atMost('uniqueFor', opts.uniqueFor, MAX_DELAY_MS, `${MAX_DELAY_MS} ms (a year)`, 'the longest window the library keeps');
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
    atMost('attempts', attempts, MAX_ATTEMPTS, `${MAX_ATTEMPTS}`, 'the most attempts a job may have');
    out.attempts = attempts;
  }
  const backoff = opts.backoff ?? handler.backoff;
  if (backoff !== undefined) {
    checkBackoff(backoff, bad);
    const step = typeof backoff === 'number' ? backoff : (backoff.delay ?? 0);
    atMost('backoff.delay', step, MAX_DELAY_MS, `${MAX_DELAY_MS} ms (a year)`, 'the longest wait a job may have');
    if (typeof backoff === 'object' && backoff.type === 'exponential' && step > 0 && (attempts ?? 1) > 2) {
      // BullMQ waits delay * 2^(n-1) after attempt n: the last retry waits delay * 2^(attempts-2).
      const longest = step * 2 ** ((attempts ?? 1) - 2);
      if (longest > MAX_DELAY_MS) {
        bad('backoff', backoff, `exponential waits of at most a year: with ${attempts} attempts the last retry would wait ${longest} ms; use fewer attempts, a smaller delay or a fixed backoff`);
      }
    }
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

/** Checks a caller-supplied job id (see `jobIdProblem`): it must never name one of a queue's own keys. */
export function checkJobId(jobName: string, jobId: unknown): string {
  const problem = jobIdProblem(jobId);
  if (problem !== undefined) {
    throw new JobValidationError(Messages.invalidJobId(jobName, jobId, problem, JOB_ID_CHARACTERS, MAX_JOB_ID_LENGTH, BULLMQ_KEY_NAMES));
  }
  return jobId as string;
}

function checkBackoff(backoff: unknown, bad: (option: string, value: unknown, expected: string) => never): void {
  const expected = 'milliseconds, or { type: "fixed" | "exponential", delay: milliseconds }';
  if (typeof backoff === 'number') {
    if (!Number.isInteger(backoff) || backoff < 0) bad('backoff', backoff, expected);
    return;
  }
  const b = backoff as { type?: unknown; delay?: unknown; jitter?: unknown };
  if (typeof b !== 'object' || b === null || (b.type !== 'fixed' && b.type !== 'exponential')) bad('backoff', backoff, expected);
  for (const key of Object.keys(b)) {
    if (key !== 'type' && key !== 'delay' && key !== 'jitter') bad(`backoff.${key}`, (b as Record<string, unknown>)[key], 'one of type, delay, jitter');
  }
  if (b.delay !== undefined && (!Number.isInteger(b.delay) || (b.delay as number) < 0)) bad('backoff.delay', b.delay, expected);
  if (b.jitter !== undefined && (typeof b.jitter !== 'number' || !(b.jitter >= 0 && b.jitter <= 1))) {
    bad('backoff.jitter', b.jitter, 'a number from 0 to 1');
  }
}
