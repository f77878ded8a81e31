import { UnrecoverableError } from 'bullmq';
import { Messages } from '../jobs.messages';

/**
 * A running job was cancelled through `JobService.cancel`. It ends `failed` with this error and is
 * not retried (it extends BullMQ's `UnrecoverableError` for that reason).
 */
export class JobCancelledError extends UnrecoverableError {
  constructor(readonly reason?: string) {
    super(Messages.jobCancelled(reason));
    this.name = this.constructor.name;
  }
}
