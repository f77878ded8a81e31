import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, DEMO_ADMIN_TOKEN, DEMO_ADMIN_TOKEN_GENERATED } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule.register());
  // SIGTERM/SIGINT close the app: workers finish running jobs first (JobsModule's shutdown hooks).
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  new Logger('Demo').log(`Network-inventory demo listening on http://${host}:${port} (POST /jobs/:name, GET /jobs/:id)`);
  new Logger('Demo').log(`Dashboard: http://${host}:${port}/admin/queues (user "admin", password: the admin token)`);
  if (DEMO_ADMIN_TOKEN_GENERATED) {
    // Logged once, so whoever started the demo can log in; set JOBS_ADMIN_TOKEN to choose it.
    new Logger('Demo').log(`JOBS_ADMIN_TOKEN is unset; admin token for this run: ${DEMO_ADMIN_TOKEN}`);
  }
}

void bootstrap();
