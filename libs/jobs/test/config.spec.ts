import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import { redisUrl, uniquePrefix } from './support/test-app';

// Boot-time errors on a real Redis; the option checks themselves are unit-tested in src/jobs-config.spec.ts.

describe('JobsModule start-up', () => {
  @Injectable()
  class Jobs {
    @JobHandler('backup', { queue: 'high_priority' })
    backup() {
      return 1;
    }
  }

  const boot = async (options: JobsModuleOptions) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix: uniquePrefix(),
          workers: false,
          ...options,
        }),
      ],
      providers: [Jobs],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  };

  it('fails when a handler names an unconfigured queue, saying which option is wrong', async () => {
    await expect(boot({ queues: { default: 1 } })).rejects.toThrow(
      /@JobHandler\('backup'\) option queue on Jobs\.backup names queue "high_priority", which is not configured/,
    );
  });

  it('fails when a route names a job that has no handler', async () => {
    await expect(
      boot({ queues: { high_priority: 1 }, routes: { bakup: 'default' } }),
    ).rejects.toThrow(
      /routes\.bakup routes a job that has no @JobHandler\('bakup'\)\. Registered job names: backup/,
    );
  });

  it('fails on bad module options before anything connects', async () => {
    await expect(boot({ queues: { high_priority: -2 } })).rejects.toThrow(
      JobsConfigurationError,
    );
  });

  it('boots with forRootAsync and a factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRootAsync({
          useFactory: () =>
            Promise.resolve({
              connection: redisUrl(),
              prefix: uniquePrefix(),
              queues: { high_priority: 3 },
            }),
          queueNames: ['high_priority'],
        }),
      ],
      providers: [Jobs],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const { JobService } = await import('nestjs-jobs');
      expect(app.get(JobService).queueNames().sort()).toEqual([
        'default',
        'high_priority',
      ]);
    } finally {
      await app.close();
    }
  });
});
