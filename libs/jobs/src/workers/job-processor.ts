import { UnrecoverableError, type Job } from 'bullmq';
import { Messages } from '../jobs.messages';
import { JobValidationError } from '../errors/job-validation.error';
import type { JobHandlerRegistry } from '../job-handler.registry';
import type { PayloadValidator } from '../payload/payload-validator';
import type { JobContext } from '../interfaces/job.interface';

const NEVER_ABORTED = new AbortController().signal;

/** Jobs one worker is running now, so shutdown can wait for them and name those it leaves behind. */
export class InFlightJobs {
  private readonly running = new Map<string, Promise<unknown>>();

  track<T>(id: string, work: Promise<T>): Promise<T> {
    this.running.set(id, work);
    return work.finally(() => this.running.delete(id));
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves true when every running job has settled, false when `ms` passed first. */
  async settle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const settled = Promise.allSettled([...this.running.values()]).then(() => true as const);
    try {
      return await Promise.race([settled, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The BullMQ processor of one queue: dispatches each job by name to its registered handler. Only
 * registered handlers can run; job data never names code. A handler's error reaches BullMQ
 * untouched, so retries and `failed` work as configured.
 */
export function createJobProcessor(
  queue: string,
  handlers: JobHandlerRegistry,
  payloads: PayloadValidator,
  inFlight: InFlightJobs,
) {
  return (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
    const handler = handlers.get(job.name);
    if (!handler) return Promise.reject(new UnrecoverableError(Messages.noHandlerAtWorker(job.name)));
    let data: unknown = job.data;
    if (handler.options.payload) {
      try {
        data = payloads.toInstance(job.name, job.data, handler.options.payload);
      } catch (error) {
        // Bad data fails the same way on every attempt, so retrying is pointless.
        const message = error instanceof JobValidationError ? error.message : String(error);
        return Promise.reject(new UnrecoverableError(message));
      }
    }
    const ctx: JobContext = {
      id: job.id!,
      name: job.name,
      queue,
      attempt: job.attemptsMade + 1,
      signal: signal ?? NEVER_ABORTED,
      log: async (message: string) => {
        await job.log(String(message));
      },
      progress: (value: number | object) => job.updateProgress(value),
    };
    return inFlight.track(job.id!, handler.invoke(data, ctx));
  };
}
