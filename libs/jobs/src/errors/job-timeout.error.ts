import { Messages } from '../jobs.messages';
import { JobsError } from './jobs.error';

/** A job attempt ran past its `timeout`. The attempt failed; the retry policy applies. */
export class JobTimeoutError extends JobsError {
  constructor(readonly timeoutMs: number) {
    super(Messages.jobTimedOut(timeoutMs));
  }
}
