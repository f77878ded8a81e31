import { Messages } from '../jobs.messages';
import { JobsError } from './jobs.error';

/** A job name with no `@JobHandler` in the app. Nothing was enqueued. */
export class UnknownJobError extends JobsError {
  constructor(
    readonly jobName: string,
    readonly knownJobs: string[],
  ) {
    super(Messages.unknownJob(jobName, knownJobs));
  }
}
