import { Messages } from '../jobs.messages';
import { JobsError } from './jobs.error';

/** Two `@JobHandler`s share one job name. Thrown at start-up. */
export class DuplicateJobHandlerError extends JobsError {
  constructor(
    readonly jobName: string,
    readonly first: string,
    readonly second: string,
  ) {
    super(Messages.duplicateHandler(jobName, first, second));
  }
}
