import { Injectable } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { JobHandler, type JobContext } from 'nestjs-jobs';

export const REPORT_KINDS = ['inventory', 'ip-usage', 'cabling'] as const;

/** What a `report` job needs. */
export class ReportPayload {
  @IsIn(REPORT_KINDS)
  kind: (typeof REPORT_KINDS)[number];

  /**
   * How many attempts fail before one succeeds, to watch retries happen. When absent, each attempt
   * fails with a 1 in 3 chance, like a flaky upstream.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3)
  failAttempts?: number;
}

/** Reports: no queue of their own (`default`), and retried because their data source is flaky. */
@Injectable()
export class ReportJobs {
  @JobHandler('report', { payload: ReportPayload, attempts: 3, backoff: { type: 'exponential', delay: 200 } })
  async report(data: ReportPayload, ctx: JobContext) {
    const fails = data.failAttempts === undefined ? Math.random() < 1 / 3 : ctx.attempt <= data.failAttempts;
    if (fails) throw new Error(`report source timed out (attempt ${ctx.attempt})`);
    await ctx.log(`built the ${data.kind} report on attempt ${ctx.attempt}`);
    return { kind: data.kind, rows: 42, attempt: ctx.attempt };
  }
}
