import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JOB_HANDLER_METADATA } from './jobs.constants';
import type { JobHandlerMetadata } from './decorators/job-handler.decorator';

/** Reads `@JobHandler` metadata. The one place that knows the metadata key. */
@Injectable()
export class JobsMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobHandlerMetadata(target: unknown): JobHandlerMetadata | undefined {
    if (!target || (typeof target !== 'function' && typeof target !== 'object'))
      return undefined;
    // Metadata can sit on any object; Reflector types its target as a class.
    return this.reflector.get<JobHandlerMetadata | undefined>(
      JOB_HANDLER_METADATA,
      target as Type,
    );
  }
}
