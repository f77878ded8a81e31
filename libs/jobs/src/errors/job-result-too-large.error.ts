import { JobsError } from './jobs.error';

/**
 * A handler returned a result larger than `maxPayloadBytes` (or one JSON cannot store). The attempt
 * fails with this error instead of storing the result in Redis; retries apply as for any failure.
 */
export class JobResultTooLargeError extends JobsError {}
