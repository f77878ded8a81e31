import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule.register());
  // SIGTERM/SIGINT close the app: workers finish running jobs first (JobsModule's shutdown hooks).
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  await app.listen(port, host);
  new Logger('Demo').log(`Network-inventory demo listening on http://${host}:${port} (POST /jobs/:name, GET /jobs/:id)`);
}

void bootstrap();
