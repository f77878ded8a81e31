import { startPrivateRedis } from '../../../scripts/private-redis';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import * as net from 'node:net';
import {
  JobHandler,
  JobsConnectionError,
  JobsModule,
  JobService,
} from 'nestjs-jobs';
import { uniquePrefix } from './support/test-app';

@Injectable()
class Handlers {
  @JobHandler('ping')
  ping() {
    return 'pong';
  }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('Redis unreachable', () => {
  it('rejects enqueue within the bounded time with JobsConnectionError, and never hangs', async () => {
    const port = await closedPort();
    const moduleRef = await Test.createTestingModule({
      imports: [
        JobsModule.forRoot({
          connection: `redis://127.0.0.1:${port}`,
          prefix: uniquePrefix(),
          enqueueTimeoutMs: 800,
          workers: false,
        }),
      ],
      providers: [Handlers],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const jobs = app.get(JobService);
      const started = Date.now();
      const error = await jobs.enqueue({ name: 'ping' }).then(
        () => undefined,
        (e: Error) => e,
      );
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(JobsConnectionError);
      expect(error?.message).toMatch(
        /^Redis did not answer within 800 ms, so nothing was enqueued/,
      );
      expect(error?.message).toMatch(
        /Check that Redis runs and that the connection option or REDIS_URL points at it/,
      );
      // Bounded: the deadline, not forever. Generous upper bound for a loaded machine.
      expect(elapsed).toBeGreaterThanOrEqual(700);
      expect(elapsed).toBeLessThan(10_000);
      await expect(jobs.get('any')).rejects.toThrow(
        /so the job could not be read/,
      );
    } finally {
      await app.close();
    }
  });

  it('supports password-protected Redis through the URL', async () => {
    const redis = await startPrivateRedis();
    const Redis = (await import('ioredis')).default;
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', 's3cret pass');
    admin.disconnect();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          JobsModule.forRoot({
            connection: `redis://:${encodeURIComponent('s3cret pass')}@127.0.0.1:${redis.port}`,
            prefix: uniquePrefix(),
          }),
        ],
        providers: [Handlers],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        const jobs = app.get(JobService);
        const ref = await jobs.enqueue({ name: 'ping' });
        const deadline = Date.now() + 10_000;
        let status: string | undefined;
        while (Date.now() < deadline && status !== 'completed') {
          status = (await jobs.get(ref.id))?.status;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(status).toBe('completed');
      } finally {
        await app.close();
      }
    } finally {
      await redis.stop();
    }
  });
});
