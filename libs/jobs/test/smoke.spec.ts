import { Injectable } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import { JobContext, JobHandler } from 'nestjs-jobs';
import { createJobsApp, waitFor } from './support/test-app';

class BackupPayload {
  @IsInt()
  @Min(1)
  deviceId!: number;
}

@Injectable()
class BackupJobs {
  @JobHandler('backup', { payload: BackupPayload, queue: 'high_priority' })
  async backup(data: BackupPayload, ctx: JobContext) {
    await ctx.log(`backing up ${data.deviceId}`);
    return { bytes: 123, isInstance: data instanceof BackupPayload, queue: ctx.queue };
  }
}

it('runs a job end to end', async () => {
  const t = await createJobsApp({ queues: { default: 2, high_priority: 8 } }, [BackupJobs]);
  try {
    const ref = await t.jobs.enqueue({ name: 'backup', data: { deviceId: 7 } });
    expect(ref.queue).toBe('high_priority');
    const info = await waitFor(async () => {
      const i = await t.jobs.get(ref.id);
      return i?.status === 'completed' ? i : null;
    });
    expect(info.result).toEqual({ bytes: 123, isInstance: true, queue: 'high_priority' });
    expect(info.logs).toEqual(['backing up 7']);
  } finally {
    await t.close();
  }
});
