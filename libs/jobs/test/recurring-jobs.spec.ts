import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt } from 'class-validator';
import {
  JobContext,
  JobHandler,
  JobsConfigurationError,
  JobsModule,
  type JobHandlerOptions,
  type JobsModuleOptions,
} from 'nestjs-jobs';
import {
  createJobsApp,
  redisUrl,
  uniquePrefix,
  waitFor,
} from './support/test-app';

jest.setTimeout(120_000);

describe('recurring jobs', () => {
  @Injectable()
  class Housekeeping {
    static runs: string[] = [];
    @JobHandler('housekeeping', {
      queue: 'low_priority',
      repeat: { every: '1s' },
    })
    run(_d: unknown, ctx: JobContext) {
      Housekeeping.runs.push(ctx.queue);
    }
  }
  @Injectable()
  class NoLongerRepeating {
    @JobHandler('housekeeping', { queue: 'low_priority' })
    run() {}
  }
  const options: JobsModuleOptions = { queues: { low_priority: 1 } };

  it('registers once however many processes start, runs on its own queue every time, and is removed with the repeat option', async () => {
    const prefix = uniquePrefix();
    const a = await createJobsApp({ ...options, prefix }, [Housekeeping]);
    const b = await createJobsApp({ ...options, prefix, workers: false }, [
      Housekeeping,
    ]);
    try {
      const schedules = await b.jobs.schedules();
      expect(schedules).toEqual([
        {
          name: 'housekeeping',
          queue: 'low_priority',
          every: 1_000,
          next: expect.any(Date),
        },
      ]);
      await waitFor(() => Housekeeping.runs.length >= 2, 10_000, 'two runs');
      expect(new Set(Housekeeping.runs)).toEqual(new Set(['low_priority']));
    } finally {
      await a.app.close();
      await b.app.close();
    }
    const c = await createJobsApp({ ...options, prefix, workers: false }, [
      NoLongerRepeating,
    ]);
    try {
      expect(await c.jobs.schedules()).toEqual([]);
    } finally {
      await c.close();
    }
  });

  const boot = async (
    handler: JobHandlerOptions,
    moduleOptions: JobsModuleOptions = {},
  ) => {
    @Injectable()
    class Bad {
      @JobHandler('bad', handler)
      run() {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: redisUrl(),
          prefix: uniquePrefix(),
          workers: false,
          ...moduleOptions,
        }),
      ],
      providers: [Bad],
    }).compile();
    await moduleRef.createNestApplication({ logger: false }).init();
  };

  class Payload {
    @IsInt()
    n!: number;
  }

  it.each([
    [
      { repeat: { cron: '61 * * * *' } },
      /@JobHandler\('bad'\) on Bad\.run: repeat\.cron "61 \* \* \* \*" is not a valid cron expression/,
    ],
    [
      { repeat: { every: '1 fortnight' } },
      /repeat\.every "1 fortnight" is not an interval/,
    ],
    [
      { repeat: { every: '1h', cron: '* * * * *' } },
      /repeat needs exactly one of every or cron/,
    ],
    [
      { repeat: { cron: '0 3 * * *', tz: 'Mars/Olympus' } },
      /repeat\.tz "Mars\/Olympus" is not a time zone/,
    ],
    [
      { repeat: { every: 1000, data: { n: 'x' } }, payload: Payload },
      /Job "bad" has invalid data: n must be an integer number/,
    ],
    [{ timeout: -1 }, /invalid option timeout: -1/],
  ])(
    'fails at start-up on bad handler options %j',
    async (handler, message) => {
      await expect(boot(handler as JobHandlerOptions)).rejects.toThrow(message);
    },
  );

  it.each([
    [
      { queues: { default: { concurrency: { min: 5, max: 2 } } } },
      /queues\.default\.concurrency is invalid: \{"min":5,"max":2\}\. Expected \{ min, max \} with min <= max/,
    ],
    [
      {
        queues: {
          default: { concurrency: 1, limiter: { max: 0, duration: 1000 } },
        },
      },
      /queues\.default\.limiter\.max is invalid: 0/,
    ],
    [
      { queues: { default: { concurrency: 1, globalConcurrency: -1 } } },
      /queues\.default\.globalConcurrency is invalid: -1/,
    ],
  ])(
    'fails at start-up on bad queue options %j',
    async (moduleOptions, message) => {
      await expect(
        boot({}, moduleOptions as JobsModuleOptions),
      ).rejects.toThrow(JobsConfigurationError);
      await expect(
        boot({}, moduleOptions as JobsModuleOptions),
      ).rejects.toThrow(message);
    },
  );
});
