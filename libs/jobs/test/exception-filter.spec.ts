// JobsExceptionFilter on a user's own controller: the library's errors from JobService.enqueue
// become 400s and 503s instead of Nest's 500.
import {
  Controller,
  Injectable,
  Param,
  Post,
  Query,
  UseFilters,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsInt, Min } from 'class-validator';
import * as net from 'node:net';
import {
  JobHandler,
  JobService,
  JobsExceptionFilter,
  JobsModule,
} from 'nestjs-jobs';
import { createHttpApp, portOf, type HttpTestApp } from './support/http-app';
import { countJobs, uniquePrefix } from './support/test-app';

class FilterBackupPayload {
  @IsInt()
  @Min(1)
  deviceId!: number;
}

@Injectable()
class FilterHandlers {
  @JobHandler('filter_backup', { payload: FilterBackupPayload })
  backup() {
    return 'ok';
  }
}

/** What an app's own code looks like: it passes the request on to enqueue and does no checks itself. */
@Controller('devices')
class DevicesController {
  constructor(private readonly jobs: JobService) {}

  @Post(':id/backup')
  backup(
    @Param('id') id: string,
    @Query('queue') queue?: string,
    @Query('job') job = 'filter_backup',
  ) {
    return this.jobs.enqueue(
      { name: job, data: { deviceId: Number(id) } },
      queue,
    );
  }
}

/** The same controller with the filter on the controller instead of app-wide. */
@Controller('devices')
@UseFilters(JobsExceptionFilter)
class FilteredDevicesController extends DevicesController {}

const post = (url: string) => fetch(url, { method: 'POST' });

describe('JobsExceptionFilter on a user controller', () => {
  let t: HttpTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers the caller’s mistakes with 400 and the library’s message, and enqueues nothing', async () => {
    t = await createHttpApp(
      { queues: { default: 1, high_priority: 1 }, workers: false },
      {
        providers: [
          FilterHandlers,
          { provide: APP_FILTER, useClass: JobsExceptionFilter },
        ],
        controllers: [DevicesController],
      },
    );

    const invalid = await post(`${t.url}/devices/0/backup`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      statusCode: 400,
      error: 'JobValidationError',
      message:
        'Job "filter_backup" has invalid data: deviceId must not be less than 1.',
    });

    const queue = await post(`${t.url}/devices/7/backup?queue=hgh_priority`);
    expect(queue.status).toBe(400);
    expect(await queue.json()).toEqual({
      statusCode: 400,
      error: 'UnknownQueueError',
      message: expect.stringMatching(
        /^Queue "hgh_priority" is not configured\. Configured queues: default, high_priority\./,
      ),
    });

    const job = await post(`${t.url}/devices/7/backup?job=filter_bakcup`);
    expect(job.status).toBe(400);
    expect(await job.json()).toEqual({
      statusCode: 400,
      error: 'UnknownJobError',
      message: expect.stringMatching(
        /^No @JobHandler\('filter_bakcup'\) exists in this app/,
      ),
    });
    expect(job.headers.get('retry-after')).toBeNull();
    expect(await countJobs(t)).toBe(0);

    // And a good request still goes through.
    const ok = await post(`${t.url}/devices/7/backup`);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      name: 'filter_backup',
      queue: 'default',
    });
    expect(await countJobs(t)).toBe(1);
  });

  it('is what makes the difference: without it the same mistake is a 500', async () => {
    t = await createHttpApp(
      { workers: false },
      { providers: [FilterHandlers], controllers: [DevicesController] },
    );
    const res = await post(`${t.url}/devices/0/backup`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      statusCode: 500,
      message: 'Internal server error',
    });
  });

  it('answers 503 with Retry-After when Redis does not answer, within the enqueue deadline', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));

    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: `redis://127.0.0.1:${port}`,
          prefix: uniquePrefix(),
          enqueueTimeoutMs: 500,
          workers: false,
        }),
      ],
      providers: [FilterHandlers],
      controllers: [FilteredDevicesController],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication({
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    try {
      const httpPort = portOf(app);
      const started = Date.now();
      const res = await post(`http://127.0.0.1:${httpPort}/devices/7/backup`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({
        statusCode: 503,
        error: 'JobsConnectionError',
        message: expect.stringMatching(
          /^Redis did not answer within 500 ms, so nothing was enqueued/,
        ),
      });
      // Bounded by enqueueTimeoutMs, not Nest's or the client's timeouts; generous for a loaded machine.
      expect(Date.now() - started).toBeLessThan(10_000);

      // Caller mistakes are still 400 while Redis is away: they are found before Redis is asked.
      expect(
        (await post(`http://127.0.0.1:${httpPort}/devices/0/backup`)).status,
      ).toBe(400);
    } finally {
      await app.close();
    }
  });
});
