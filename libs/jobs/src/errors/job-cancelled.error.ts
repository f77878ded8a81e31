import { Messages } from '../jobs.messages';
import { JobsError } from './jobs.error';

/**
 * A running job was cancelled through `JobService.cancel`. It ends `failed` with this error's name
 * and message, and is never retried (the worker tells BullMQ so, see `workers/final-failure.ts`).
 */
export class JobCancelledError extends JobsError {
  constructor(readonly reason?: string) {
    super(Messages.jobCancelled(reason));
  }
}
