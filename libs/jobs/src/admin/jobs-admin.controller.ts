import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
  Type,
  UseFilters,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { JobService } from '../job.service';
import { Messages } from '../jobs.messages';
import type { JobInfo } from '../interfaces/job.interface';
import type { WorkerInfo } from '../interfaces/worker-info.interface';
import type { QueueStats } from '../monitoring/queue-stats.interface';
import {
  CancelJobBody,
  JobIdParams,
  ListJobsQuery,
  QueueParams,
} from './jobs-admin.dto';
import { JobsAdminGuard } from './jobs-admin.guard';
import { JobsAdminExceptionFilter } from './jobs-admin-exception.filter';
import { JobsAdminService, type JobPage } from './jobs-admin.service';

/** The admin routes; `createJobsAdminController` mounts them at the path the app chose. */
export abstract class JobsAdminRoutes {
  constructor(
    protected readonly jobs: JobService,
    protected readonly admin: JobsAdminService,
  ) {}

  /** Every configured queue with its stats. */
  @Get('queues')
  async queues(): Promise<{ queues: QueueStats[] }> {
    return { queues: await this.jobs.stats() };
  }

  @Get('queues/:queue')
  async queue(@Param() { queue }: QueueParams): Promise<QueueStats> {
    const [stats] = await this.jobs.stats(queue);
    return stats;
  }

  /** `?status=failed&page=1&pageSize=20` */
  @Get('queues/:queue/jobs')
  list(
    @Param() { queue }: QueueParams,
    @Query() query: ListJobsQuery,
  ): Promise<JobPage> {
    return this.admin.list(queue, query.status, query.page, query.pageSize);
  }

  @Post('queues/:queue/pause')
  @HttpCode(HttpStatus.OK)
  async pause(
    @Param() { queue }: QueueParams,
  ): Promise<{ queue: string; paused: boolean }> {
    await this.admin.pause(queue);
    return { queue, paused: true };
  }

  @Post('queues/:queue/resume')
  @HttpCode(HttpStatus.OK)
  async resume(
    @Param() { queue }: QueueParams,
  ): Promise<{ queue: string; paused: boolean }> {
    await this.admin.resume(queue);
    return { queue, paused: false };
  }

  /** A job with its data, result, progress and logs. */
  @Get('jobs/:id')
  async job(@Param() { id }: JobIdParams): Promise<JobInfo> {
    const info = await this.jobs.get(id);
    if (!info) throw new NotFoundException(Messages.adminJobNotFound(id));
    return info;
  }

  @Post('jobs/:id/retry')
  @HttpCode(HttpStatus.OK)
  async retry(
    @Param() { id }: JobIdParams,
  ): Promise<{ id: string; outcome: 'retried' }> {
    const outcome = await this.admin.retry(id);
    if (outcome === 'not-found')
      throw new NotFoundException(Messages.adminJobNotFound(id));
    if (outcome === 'not-failed')
      throw new ConflictException(Messages.adminRetryNotFailed(id));
    return { id, outcome };
  }

  /** Removes a waiting or delayed job; aborts a running one through its signal, in whichever process runs it. */
  @Post('jobs/:id/cancel')
  @HttpCode(HttpStatus.OK)
  async cancel(
    @Param() { id }: JobIdParams,
    @Body() body: CancelJobBody,
  ): Promise<{ id: string; outcome: 'removed' | 'signalled' }> {
    const outcome = await this.jobs.cancel(id, body?.reason);
    if (outcome === 'not-found')
      throw new NotFoundException(Messages.adminJobNotFound(id));
    if (outcome === 'finished')
      throw new ConflictException(Messages.adminCancelFinished(id));
    return { id, outcome };
  }

  /** Live worker processes, from their heartbeats. */
  @Get('workers')
  async workers(): Promise<{ workers: WorkerInfo[] }> {
    return { workers: await this.jobs.workers() };
  }
}

/** A controller class serving `JobsAdminRoutes` under `path`, guarded by the admin token. */
export function createJobsAdminController(path: string): Type<JobsAdminRoutes> {
  @Controller(path)
  @UseGuards(JobsAdminGuard)
  @UseFilters(JobsAdminExceptionFilter)
  @UsePipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
    }),
  )
  class JobsAdminController extends JobsAdminRoutes {
    constructor(jobs: JobService, admin: JobsAdminService) {
      super(jobs, admin);
    }
  }
  return JobsAdminController;
}
