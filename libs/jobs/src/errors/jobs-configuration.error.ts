import { JobsError } from './jobs.error';

/** A `JobsModule` option, route or handler option is wrong. Thrown at start-up; the message names it. */
export class JobsConfigurationError extends JobsError {}
