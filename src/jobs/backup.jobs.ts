import { Injectable } from '@nestjs/common';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { JobHandler, type JobContext } from 'nestjs-jobs';

/** What a `backup` job needs. Checked by the library when enqueued and again in the worker. */
export class BackupPayload {
  @IsInt()
  @Min(1)
  deviceId: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  reason?: string;
}

/** Configuration backups: quick, and urgent before a change window, so they have their own queue. */
@Injectable()
export class BackupJobs {
  @JobHandler('backup', { payload: BackupPayload, queue: 'high_priority' })
  async backup(data: BackupPayload, ctx: JobContext) {
    // Stands in for fetching the running config over SSH: a few tens of milliseconds.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ctx.log(
      `backed up device ${data.deviceId}${data.reason ? ` (${data.reason})` : ''}`,
    );
    return {
      deviceId: data.deviceId,
      file: `backups/device-${data.deviceId}.cfg`,
      bytes: 4096 + data.deviceId,
    };
  }
}
