import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JobService, JobsModule, type JobsModuleOptions } from 'nestjs-jobs';
import { deleteKeys, redisUrl, uniquePrefix } from './test-app';

/** A JSON answer's body, as the test expects it to be (supertest types every body `any`). */
export const bodyOf = <T>(res: { body: unknown }): T => res.body as T;

/** The body of an error answer (Nest's exception filters). */
export interface ErrorBody {
  statusCode: number;
  error?: string;
  message: string | string[];
}

/** GET /health as JSON: terminus's answer with the `jobs` indicator under `info` or `error`. */
export interface HealthBody {
  status: string;
  info?: { jobs?: JobsIndicatorBody };
  error?: { jobs?: JobsIndicatorBody };
}
interface JobsIndicatorBody {
  status: string;
  message?: string;
  redis: { status: string };
  workers?: Record<string, string>;
}

/** The port a listening app took. */
export const portOf = (app: INestApplication): number =>
  ((app.getHttpServer() as Server).address() as AddressInfo).port;

export interface HttpTestApp {
  app: INestApplication;
  jobs: JobService;
  prefix: string;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Boots `JobsModule` plus `imports` on the test Redis and listens on 127.0.0.1, on a free port. */
export async function createHttpApp(
  options: JobsModuleOptions,
  metadata: Pick<ModuleMetadata, 'imports' | 'providers' | 'controllers'> = {},
): Promise<HttpTestApp> {
  const prefix = options.prefix ?? uniquePrefix();
  const moduleRef = await Test.createTestingModule({
    imports: [
      JobsModule.forRoot({ connection: redisUrl(), ...options, prefix }),
      ...(metadata.imports ?? []),
    ],
    providers: metadata.providers ?? [],
    controllers: metadata.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const port = portOf(app);
  let closed = false;
  return {
    app,
    prefix,
    url: `http://127.0.0.1:${port}`,
    jobs: app.get(JobService),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await deleteKeys(prefix);
    },
  };
}
