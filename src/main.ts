import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  AppModule,
  DEMO_ADMIN_TOKEN,
  DEMO_ADMIN_TOKEN_GENERATED,
} from './app.module';
import { configureDemoHttp } from './http/demo-http';

/**
 * Writes the generated admin token to a file only this user can read (a fresh 0700 directory, the file
 * 0600) and removes it at exit: logs are often shipped or shared, so the token never goes into them.
 */
function writeTokenFile(token: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-jobs-demo-'));
  const file = join(dir, 'admin-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Nest re-raises SIGINT/SIGTERM after its shutdown, which ends the process without an 'exit' event.
  for (const event of ['exit', 'SIGINT', 'SIGTERM'] as const)
    process.once(event, remove);
  return file;
}

async function bootstrap() {
  // Body parsing is configureDemoHttp's: JSON up to 1 MiB, so the library's 512 KiB maxPayloadBytes is what refuses big jobs.
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(),
    { bodyParser: false },
  );
  configureDemoHttp(app);
  // SIGTERM/SIGINT close the app: workers finish running jobs first (JobsModule's shutdown hooks).
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  new Logger('Demo').log(
    `Network-inventory demo listening on http://${host}:${port} (POST /jobs/:name, GET /jobs/:id)`,
  );
  new Logger('Demo').log(
    `Dashboard: http://${host}:${port}/admin/queues (user "admin", password: the admin token)`,
  );
  if (DEMO_ADMIN_TOKEN_GENERATED) {
    new Logger('Demo').log(
      `JOBS_ADMIN_TOKEN is unset, so this run made up an admin token: it is in ${writeTokenFile(DEMO_ADMIN_TOKEN)} ` +
        `(readable by you only, removed at exit). Set JOBS_ADMIN_TOKEN (16+ characters, e.g. $(openssl rand -base64 32)) to choose one.`,
    );
  }
}

void bootstrap();
