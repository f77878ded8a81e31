import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { Messages } from '../jobs.messages';
import { JobHandlerRegistry } from '../job-handler.registry';
import { PayloadValidator } from '../payload/payload-validator';
import { checkJobId, toBullJobOptions } from '../utils/enqueue-options';
import { UnknownJobError } from '../errors/unknown-job.error';
import { UnknownQueueError } from '../errors/unknown-queue.error';
import { JobValidationError } from '../errors/job-validation.error';
import type { JobRef, JobRequest } from '../interfaces/job.interface';
import { JobsQueueRegistry } from './jobs-queue.registry';
import { JobRouting } from './job-routing';

/** A job checked and ready for BullMQ. */
interface PreparedJob {
  queue: string;
  name: string;
  data: unknown;
  opts: JobsOptions & { jobId: string };
}

/** Enqueueing: handler lookup → routing → options and payload checks → `Queue.add` / `addBulk`. */
@Injectable()
export class JobProducer {
  constructor(
    private readonly queues: JobsQueueRegistry,
    private readonly handlers: JobHandlerRegistry,
    private readonly payloads: PayloadValidator,
    private readonly routing: JobRouting,
  ) {}

  /** See `JobService.enqueue`. */
  enqueue(job: JobRequest, queueName?: string): Promise<JobRef> {
    // Not an async function, to hand back a single promise: bad input still rejects, never throws.
    let prepared: PreparedJob;
    try {
      prepared = this.prepare(job, queueName);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- prepare throws only our Error classes; passed on unchanged
      return Promise.reject(error);
    }
    return this.queues
      .call(() =>
        this.queues
          .get(prepared.queue)
          .add(prepared.name, prepared.data, prepared.opts),
      )
      .then((added) => ({
        id: added.id ?? prepared.opts.jobId,
        name: prepared.name,
        queue: prepared.queue,
      }));
  }

  /** See `JobService.enqueueMany`. */
  async enqueueMany(
    jobs: readonly JobRequest[],
    queueName?: string,
  ): Promise<JobRef[]> {
    if (!Array.isArray(jobs))
      throw new JobValidationError(Messages.invalidJobRequest(jobs));
    // Array.isArray narrows a readonly array to any[]: name the element type again.
    const prepared = jobs.map((job: JobRequest, index) => {
      try {
        return this.prepare(job, queueName);
      } catch (error) {
        if (error instanceof JobValidationError) {
          throw new JobValidationError(
            Messages.inEnqueueMany(index, error.message),
            error.problems,
          );
        }
        throw error;
      }
    });
    const byQueue = new Map<string, PreparedJob[]>();
    for (const job of prepared) {
      const list = byQueue.get(job.queue);
      if (list) list.push(job);
      else byQueue.set(job.queue, [job]);
    }
    await this.queues.call(() =>
      Promise.all(
        [...byQueue].map(([queue, list]) =>
          this.queues.get(queue).addBulk(list),
        ),
      ),
    );
    return prepared.map((job) => ({
      id: job.opts.jobId,
      name: job.name,
      queue: job.queue,
    }));
  }

  private prepare(job: JobRequest, queueName: string | undefined): PreparedJob {
    if (
      typeof job !== 'object' ||
      job === null ||
      typeof job.name !== 'string' ||
      job.name === ''
    ) {
      throw new JobValidationError(Messages.invalidJobRequest(job));
    }
    const { name, data, options } = job;
    const handler = this.handlers.get(name);
    if (!handler) throw new UnknownJobError(name, this.handlers.names());
    const queue = queueName ?? this.routing.queueOf(name);
    if (!this.queues.has(queue))
      throw new UnknownQueueError(String(queue), this.queues.names());
    const jobId =
      options?.jobId !== undefined
        ? checkJobId(name, options.jobId)
        : randomUUID();
    const opts = toBullJobOptions(
      name,
      jobId,
      options,
      handler.options,
    ) as PreparedJob['opts'];
    const payload = data ?? {};
    this.payloads.checkForEnqueue(name, payload, handler.options.payload);
    return { queue, name, data: payload, opts };
  }
}
