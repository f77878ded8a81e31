import { JobsError } from './jobs.error';

/** Redis did not answer in time. Nothing was enqueued; the call may be retried. */
export class JobsConnectionError extends JobsError {}
