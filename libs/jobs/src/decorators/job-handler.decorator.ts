import { SetMetadata } from '@nestjs/common';
import { JOB_HANDLER_METADATA } from '../jobs.constants';
import { Messages } from '../jobs.messages';
import type { JobHandlerOptions } from '../interfaces/job-handler-options.interface';

/** What `@JobHandler` stores on a method. */
export interface JobHandlerMetadata {
  name: string;
  options: JobHandlerOptions;
}

/**
 * Marks a provider or controller method as the code that runs jobs named `name`. The method gets
 * `(data, ctx: JobContext)`; its return value becomes the job's result, and a thrown error fails
 * the attempt (retries follow `attempts` and `backoff`).
 * @example
 * @JobHandler('backup', { payload: BackupPayload, queue: 'high_priority', attempts: 3 })
 * async backup(data: BackupPayload, ctx: JobContext) { ... }
 */
export function JobHandler(
  name: string,
  options: JobHandlerOptions = {},
): MethodDecorator {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError(Messages.invalidHandlerName(name));
  }
  return SetMetadata<string, JobHandlerMetadata>(JOB_HANDLER_METADATA, {
    name,
    options,
  });
}
