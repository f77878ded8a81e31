import { Messages } from '../jobs.messages';
import { JobsError } from './jobs.error';

/** A queue name that `JobsModule` was not configured with. Nothing was enqueued. */
export class UnknownQueueError extends JobsError {
  constructor(
    readonly queue: string,
    readonly configuredQueues: string[],
  ) {
    super(Messages.unknownQueue(queue, configuredQueues));
  }
}
