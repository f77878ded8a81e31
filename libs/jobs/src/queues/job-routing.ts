import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_QUEUE, JOBS_CONFIG } from '../jobs.constants';
import { JobHandlerRegistry } from '../job-handler.registry';
import type { JobsConfig } from '../config/jobs-config';

/**
 * The queue a job goes to when the caller names none: the `routes` entry for its name, else its
 * handler's `queue` option, else `default`. Enqueueing and recurring jobs both ask here.
 */
export function routeJob(
  name: string,
  routes: ReadonlyMap<string, string>,
  handlerQueue: string | undefined,
): string {
  return routes.get(name) ?? handlerQueue ?? DEFAULT_QUEUE;
}

/** `routeJob` over this app's `routes` and handlers. */
@Injectable()
export class JobRouting {
  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly handlers: JobHandlerRegistry,
  ) {}

  queueOf(name: string): string {
    return routeJob(
      name,
      this.config.routes,
      this.handlers.get(name)?.options.queue,
    );
  }
}
