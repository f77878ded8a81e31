import { JobsError } from './jobs.error';

/** `nestjs-jobs/metrics` or `nestjs-jobs/health` was imported without its optional peer; the message gives the install command. */
export class MissingPeerDependencyError extends JobsError {}
