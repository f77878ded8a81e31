import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  UseFilters,
  ValidationPipe,
} from '@nestjs/common';
import {
  JobService,
  JobsExceptionFilter,
  type JobInfo,
  type JobRef,
} from 'nestjs-jobs';
import { EnqueueQuery, JobIdParams, JobNameParams } from './jobs.dto';

// Route params and query are checked here; the body is the job's data, which the library checks
// against the handler's payload class, so it is passed on untouched.
const strict = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
});

export interface EnqueuedJob extends JobRef {
  /** Set when no live worker process serves the job's queue, so the job will wait. */
  warning?: string;
}

@Controller('jobs')
@UseFilters(JobsExceptionFilter)
export class JobsController {
  constructor(private readonly jobs: JobService) {}

  /** Enqueues job `name` with the request body as its data. `?queue=` overrides the routing. */
  @Post(':name')
  @HttpCode(HttpStatus.ACCEPTED)
  async enqueue(
    @Param(strict) params: JobNameParams,
    @Query(strict) query: EnqueueQuery,
    @Body() data: unknown,
  ): Promise<EnqueuedJob> {
    const ref = await this.jobs.enqueue(
      { name: params.name, data },
      query.queue,
    );
    // Like NetBox's check before it runs a script: say so when nothing will pick the job up.
    const idle = await this.jobs.queuesWithoutWorkers();
    if (!idle.includes(ref.queue)) return ref;
    return {
      ...ref,
      warning: `No worker process serves queue "${ref.queue}": the job waits until one starts (npm run worker -- ${ref.queue}).`,
    };
  }

  @Get(':id')
  async get(@Param(strict) params: JobIdParams): Promise<JobInfo> {
    const info = await this.jobs.get(params.id);
    if (!info)
      throw new NotFoundException(
        `No job with id "${params.id}" (finished jobs are kept for a limited time).`,
      );
    return info;
  }
}
