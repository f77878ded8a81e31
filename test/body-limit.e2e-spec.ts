import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import request from 'supertest';
import { JobHandler, JobService } from 'nestjs-jobs';
import { AppModule } from '../src/app.module';
import { configureDemoHttp } from '../src/http/demo-http';
import { enqueued, errorMessage, testRedisUrl } from './support/demo-app';

// Issue 12, item 10: Express's 100 kB default body limit made the library's 512 KiB maxPayloadBytes
// unreachable through the demo. The demo app as main.ts sets it up (bodyParser off, configureDemoHttp).

/** A handler with no payload class, so any JSON data is valid and only its size matters. */
@Injectable()
class BlobJobs {
  @JobHandler('blob', { queue: 'default' })
  blob() {
    return null;
  }
}

describe('demo HTTP body limit', () => {
  let app: NestExpressApplication;
  const prefix = `e2e-${randomUUID().slice(0, 8)}`;
  const blob = (bytes: number) => ({ text: 'x'.repeat(bytes) });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      // No workers: enqueued jobs stay put.
      imports: [
        AppModule.register({
          connection: testRedisUrl(),
          prefix,
          workers: false,
        }),
      ],
      providers: [BlobJobs],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({
      logger: false,
      bodyParser: false,
    });
    configureDemoHttp(app);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    const redis = new Redis(testRedisUrl());
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('accepts a 300 KB payload and stores it whole', async () => {
    const res = await request(app.getHttpServer())
      .post('/jobs/blob')
      .send(blob(300_000));
    expect(res.status).toBe(202);
    expect(
      (
        (await app.get(JobService).get(enqueued(res).id))?.data as {
          text: string;
        }
      ).text,
    ).toHaveLength(300_000);
  });

  it("refuses a payload over 512 KiB with the library's 400 and message, enqueuing nothing", async () => {
    const jobs = app.get(JobService);
    const before = (await jobs.stats('default'))[0].counts;
    const res = await request(app.getHttpServer())
      .post('/jobs/blob')
      .send(blob(600_000));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      statusCode: 400,
      error: 'JobValidationError',
      message: expect.stringMatching(/maxPayloadBytes/),
    });
    expect((await jobs.stats('default'))[0].counts).toEqual(before);
  });

  it('answers a body over the 1 MiB limit with a JSON 413 naming the limit, not HTML', async () => {
    const res = await request(app.getHttpServer())
      .post('/jobs/blob')
      .send(blob(1_100_000));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(errorMessage(res)).toMatch(/1 MiB/);
  });

  it('still answers malformed JSON with 400', async () => {
    const res = await request(app.getHttpServer())
      .post('/jobs/blob')
      .set('Content-Type', 'application/json')
      .send('{"text":');
    expect(res.status).toBe(400);
  });
});
