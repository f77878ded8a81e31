import { JobsError } from './jobs.error';

/**
 * A job's data or options were rejected: they fail the handler's payload class, cannot be carried
 * by JSON, are too large, or an option has a bad value. Nothing was enqueued.
 */
export class JobValidationError extends JobsError {
  constructor(
    message: string,
    /** One entry per problem, such as `deviceId must be a positive number`. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}
