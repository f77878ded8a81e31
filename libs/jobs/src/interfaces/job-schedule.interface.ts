/** A recurring job, from `JobService.schedules()`. */
export interface JobSchedule {
  /** The job name. */
  name: string;
  queue: string;
  /** Interval in milliseconds, for `every` schedules. */
  every?: number;
  cron?: string;
  tz?: string;
  /** When it runs next. */
  next: Date | null;
}
