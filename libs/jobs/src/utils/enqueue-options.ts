import type { JobsOptions } from 'bullmq';
import { Expected, Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { EnqueueOptions } from '../interfaces/job.interface';
import type { JobHandlerOptions } from '../interfaces/job-handler-options.interface';
import {
  integerBetween,
  isNonNegativeInteger,
  isPlainObject,
  valueAt,
} from '../config/validators';
import {
  BULLMQ_KEY_NAMES,
  JOB_ID_CHARACTERS,
  MAX_JOB_ID_LENGTH,
  jobIdProblem,
} from './job-id';

const ENQUEUE_KEYS = [
  'delay',
  'runAt',
  'priority',
  'attempts',
  'backoff',
  'jobId',
  'timeout',
  'uniqueKey',
  'uniqueFor',
];
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
    throw new JobValidationError(
      Messages.invalidEnqueueOption(jobName, option, value, expected),
    );
  };
  const atMost = (
    option: string,
    value: number,
    max: number,
    shown: string,
    why: string,
  ): void => {
    if (value > max)
      throw new JobValidationError(
        Messages.optionTooLarge(jobName, option, value, shown, why),
      );
  };
  if (options !== undefined && !isPlainObject(options)) {
    bad('options', options, Expected.object);
  }
  const opts: EnqueueOptions = options ?? {};
  for (const key of Object.keys(opts)) {
    if (!ENQUEUE_KEYS.includes(key))
      bad(key, valueAt(opts, key), Expected.oneOf(ENQUEUE_KEYS));
  }
  const out: JobsOptions = { jobId };
  if (opts.delay !== undefined && opts.runAt !== undefined)
    bad('runAt', opts.runAt, Expected.delayOrRunAt);
  if (opts.delay !== undefined) {
    integerBetween(bad, 'delay', opts.delay, Expected.nonNegativeMs, 0);
    atMost(
      'delay',
      opts.delay,
      MAX_DELAY_MS,
      Expected.aYear(MAX_DELAY_MS),
      Expected.longestWait,
    );
    out.delay = opts.delay;
  }
  if (opts.runAt !== undefined) {
    const at = opts.runAt as unknown;
    if (!(at instanceof Date) || Number.isNaN(at.getTime()))
      bad('runAt', at, Expected.date);
    // A time in the past runs now.
    const delay = (at as Date).getTime() - Date.now();
    if (delay > MAX_DELAY_MS) bad('runAt', at, Expected.withinAYear);
    if (delay > 0) out.delay = delay;
  }
  const timeout = opts.timeout ?? handler.timeout;
  if (timeout !== undefined) {
    integerBetween(bad, 'timeout', timeout, Expected.positiveMs, 1);
    atMost(
      'timeout',
      timeout,
      MAX_TIMEOUT_MS,
      Expected.setTimeoutMax(MAX_TIMEOUT_MS),
      Expected.setTimeoutLimit,
    );
    if (opts.timeout !== undefined)
      (out as Record<string, unknown>)[OWN_OPTIONS] = { timeout };
  }
  if (opts.uniqueFor !== undefined && opts.uniqueKey === undefined)
    bad('uniqueFor', opts.uniqueFor, Expected.withUniqueKey);
  if (opts.uniqueKey !== undefined) {
    if (typeof opts.uniqueKey !== 'string' || opts.uniqueKey === '')
      bad('uniqueKey', opts.uniqueKey, Expected.nonEmptyString);
    if (opts.uniqueFor !== undefined)
      integerBetween(bad, 'uniqueFor', opts.uniqueFor, Expected.positiveMs, 1);
    if (opts.uniqueFor !== undefined)
      atMost(
        'uniqueFor',
        opts.uniqueFor,
        MAX_DELAY_MS,
        Expected.aYear(MAX_DELAY_MS),
        Expected.longestWindow,
      );
    out.deduplication = {
      id: opts.uniqueKey,
      ...(opts.uniqueFor !== undefined && { ttl: opts.uniqueFor }),
    };
  }
  if (opts.priority !== undefined) {
    integerBetween(
      bad,
      'priority',
      opts.priority,
      Expected.priority(MAX_PRIORITY),
      1,
      MAX_PRIORITY,
    );
    out.priority = opts.priority;
  }
  const attempts = opts.attempts ?? handler.attempts;
  if (attempts !== undefined) {
    integerBetween(bad, 'attempts', attempts, Expected.positiveInteger, 1);
    atMost(
      'attempts',
      attempts,
      MAX_ATTEMPTS,
      `${MAX_ATTEMPTS}`,
      Expected.mostAttempts,
    );
    out.attempts = attempts;
  }
  const backoff = opts.backoff ?? handler.backoff;
  if (backoff !== undefined) {
    checkBackoff(backoff, bad);
    const step = typeof backoff === 'number' ? backoff : (backoff.delay ?? 0);
    atMost(
      'backoff.delay',
      step,
      MAX_DELAY_MS,
      Expected.aYear(MAX_DELAY_MS),
      Expected.longestWait,
    );
    if (
      typeof backoff === 'object' &&
      backoff.type === 'exponential' &&
      step > 0 &&
      (attempts ?? 1) > 2
    ) {
      // BullMQ waits delay * 2^(n-1) after attempt n: the last retry waits delay * 2^(attempts-2).
      const longest = step * 2 ** ((attempts ?? 1) - 2);
      if (longest > MAX_DELAY_MS) {
        bad(
          'backoff',
          backoff,
          Expected.exponentialWithinAYear(attempts!, longest),
        );
      }
    }
    out.backoff = backoff;
  }
  return out;
}

/** The per-enqueue timeout stored with a job, if any. */
export function readJobTimeout(opts: JobsOptions): number | undefined {
  return (opts as Record<string, { timeout?: number } | undefined>)[OWN_OPTIONS]
    ?.timeout;
}

/** Checks a handler's own `attempts` and `backoff` at start-up, with the same rules as at enqueue. */
export function checkHandlerOptions(
  jobName: string,
  handler: JobHandlerOptions,
): void {
  if (handler.payload !== undefined && typeof handler.payload !== 'function') {
    throw new JobValidationError(
      Messages.invalidEnqueueOption(
        jobName,
        'payload',
        handler.payload,
        Expected.payloadClass,
      ),
    );
  }
  toBullJobOptions(jobName, 'start-up-check', undefined, handler);
}

/** Checks a caller-supplied job id (see `jobIdProblem`): it must never name one of a queue's own keys. */
export function checkJobId(jobName: string, jobId: unknown): string {
  const problem = jobIdProblem(jobId);
  if (problem !== undefined) {
    throw new JobValidationError(
      Messages.invalidJobId(
        jobName,
        jobId,
        problem,
        JOB_ID_CHARACTERS,
        MAX_JOB_ID_LENGTH,
        BULLMQ_KEY_NAMES,
      ),
    );
  }
  return jobId as string;
}

function checkBackoff(
  backoff: unknown,
  bad: (option: string, value: unknown, expected: string) => never,
): void {
  const expected = Expected.backoff;
  if (typeof backoff === 'number') {
    integerBetween(bad, 'backoff', backoff, expected, 0);
    return;
  }
  const b = backoff as { type?: unknown; delay?: unknown; jitter?: unknown };
  if (!isPlainObject(b) || (b.type !== 'fixed' && b.type !== 'exponential'))
    bad('backoff', backoff, expected);
  for (const key of Object.keys(b)) {
    if (key !== 'type' && key !== 'delay' && key !== 'jitter')
      bad(
        `backoff.${key}`,
        (b as Record<string, unknown>)[key],
        Expected.backoffKey,
      );
  }
  if (b.delay !== undefined && !isNonNegativeInteger(b.delay))
    bad('backoff.delay', b.delay, expected);
  if (
    b.jitter !== undefined &&
    (typeof b.jitter !== 'number' || !(b.jitter >= 0 && b.jitter <= 1))
  ) {
    bad('backoff.jitter', b.jitter, Expected.jitter);
  }
}
