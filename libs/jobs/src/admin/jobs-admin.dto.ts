import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import type { JobStatus } from '../interfaces/job.interface';

export const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'active', 'delayed', 'completed', 'failed'];
export const MAX_PAGE_SIZE = 100;

export class QueueParams {
  @Matches(/^[A-Za-z0-9_.-]{1,100}$/, { message: 'queue must be a queue name: 1-100 letters, digits, "_", "-" or "."' })
  queue!: string;
}

export class JobIdParams {
  @IsString()
  @Length(1, 200)
  @Matches(/^[^:\s]+$/, { message: 'id must be a job id: no ":" or spaces' })
  id!: string;
}

export class ListJobsQuery {
  @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status!: JobStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'page must be a whole number from 1' })
  @Min(1, { message: 'page must be a whole number from 1' })
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
