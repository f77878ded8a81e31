import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { JobStatus } from '../interfaces/job.interface';

export const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'active', 'delayed', 'completed', 'failed'];
export const MAX_PAGE_SIZE = 100;
/**
 * Highest page: 100 million jobs at the largest page size, far beyond any retention, while
 * `(page - 1) * pageSize` stays an exact integer that Redis takes as a range index.
 */
export const MAX_PAGE = 1_000_000;

export class QueueParams {
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'queue must be a queue name: 1-100 letters, digits, "_", "-" or "."' })
  queue!: string;
}

export class JobIdParams {
  @IsString()
  @Length(1, 1024)
  // A schedule's runs are `repeat:<scheduler>:<ms>`; no other job id has a ":".
  @Matches(/^(?:[^:\s]+|repeat:[^:\s]+:\d+)$/, { message: 'id must be a job id: no spaces, and no ":" except in repeat:<schedule>:<ms>' })
  id!: string;
}

export class ListJobsQuery {
  @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status!: JobStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `page must be a whole number from 1 to ${MAX_PAGE}` })
  @Min(1, { message: `page must be a whole number from 1 to ${MAX_PAGE}` })
  @Max(MAX_PAGE, { message: `page must be a whole number from 1 to ${MAX_PAGE}` })
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
  @Min(1, { message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
  pageSize: number = 20;
}

export class CancelJobBody {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
