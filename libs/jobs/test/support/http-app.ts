import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { JobService, JobsModule, type JobsModuleOptions } from 'nestjs-jobs';
import { deleteKeys, redisUrl, uniquePrefix } from './test-app';

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
  const { port } = app.getHttpServer().address() as { port: number };
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
