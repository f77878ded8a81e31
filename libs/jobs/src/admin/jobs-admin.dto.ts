import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { JobStatus } from '../interfaces/job.interface';
import { QUEUE_NAME } from '../config/validators';
import { Messages } from '../jobs.messages';

export const JOB_STATUSES: readonly JobStatus[] = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
];
export const MAX_PAGE_SIZE = 100;
/**
 * Highest page: 100 million jobs at the largest page size, far beyond any retention, while
 * `(page - 1) * pageSize` stays an exact integer that Redis takes as a range index.
 */
export const MAX_PAGE = 1_000_000;

export class QueueParams {
  @Matches(QUEUE_NAME, { message: Messages.adminInvalidQueueParam() })
  queue!: string;
}

export class JobIdParams {
  @IsString()
  @Length(1, 1024)
  // A schedule's runs are `repeat:<scheduler>:<ms>`; no other job id has a ":".
  @Matches(/^(?:[^:\s]+|repeat:[^:\s]+:\d+)$/, {
    message: Messages.adminInvalidJobIdParam(),
  })
  id!: string;
}

export class ListJobsQuery {
  @IsIn(JOB_STATUSES, {
    message: Messages.adminInvalidStatusParam(JOB_STATUSES),
  })
  status!: JobStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: Messages.adminParamOutOfRange('page', MAX_PAGE) })
  @Min(1, { message: Messages.adminParamOutOfRange('page', MAX_PAGE) })
  @Max(MAX_PAGE, { message: Messages.adminParamOutOfRange('page', MAX_PAGE) })
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: Messages.adminParamOutOfRange('pageSize', MAX_PAGE_SIZE) })
  @Min(1, { message: Messages.adminParamOutOfRange('pageSize', MAX_PAGE_SIZE) })
  @Max(MAX_PAGE_SIZE, {
    message: Messages.adminParamOutOfRange('pageSize', MAX_PAGE_SIZE),
  })
  pageSize: number = 20;
}

export class CancelJobBody {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
