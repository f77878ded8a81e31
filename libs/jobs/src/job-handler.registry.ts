import { Injectable } from '@nestjs/common';
import { DuplicateJobHandlerError } from './errors/duplicate-job-handler.error';
import type { JobContext } from './interfaces/job.interface';
import type { JobHandlerOptions } from './interfaces/job-handler-options.interface';

/** One discovered `@JobHandler` method, ready to call. */
export interface RegisteredJobHandler {
  name: string;
  options: JobHandlerOptions;
  /** `Class.method`, for messages. */
  where: string;
  invoke(data: unknown, ctx: JobContext): Promise<unknown>;
}

/** Job name → handler. Filled once by the explorer at start-up, then only read. */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, RegisteredJobHandler>();

  register(handler: RegisteredJobHandler): void {
    const existing = this.handlers.get(handler.name);
    if (existing)
      throw new DuplicateJobHandlerError(
        handler.name,
        existing.where,
        handler.where,
      );
    this.handlers.set(handler.name, handler);
  }

  get(name: string): RegisteredJobHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  all(): RegisteredJobHandler[] {
    return [...this.handlers.values()];
  }
}
