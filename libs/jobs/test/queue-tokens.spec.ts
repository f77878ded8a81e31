import { Test } from '@nestjs/testing';
import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobsConfigurationError, JobsModule } from 'nestjs-jobs';
import { redisUrl, uniquePrefix } from './support/test-app';

@Injectable()
class UsesQueue {
  constructor(@InjectQueue('high_priority') readonly queue: Queue) {}
}

describe('queue tokens', () => {
  it('refuses at boot another module that registers the token of a configured queue, naming the queue and the fix', async () => {
    const prefix = uniquePrefix();
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix,
          queues: { high_priority: 2 },
          workers: false,
        }),
        BullModule.forRoot({ connection: { url: redisUrl() } }),
        BullModule.registerQueue({ name: 'high_priority' }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const boot = app.init();
    await expect(boot).rejects.toThrow(JobsConfigurationError);
    await expect(boot).rejects.toThrow(
      `registers the queue token of "high_priority" (BullModule.registerQueue({ name: 'high_priority' })?), which JobsModule already provides for @InjectQueue('high_priority').`,
    );
    await moduleRef.close().catch(() => undefined);
  });

  it('gives @InjectQueue the configured queue, under its prefix, when nobody else registers it', async () => {
    const prefix = uniquePrefix();
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix,
          queues: { high_priority: 2 },
          workers: false,
        }),
      ],
      providers: [UsesQueue],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const { queue } = app.get(UsesQueue);
    expect([queue.name, queue.opts.prefix]).toEqual(['high_priority', prefix]);
    await app.close();
  });
});
