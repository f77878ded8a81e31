import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { bootstrapWorker, parseWorkerArgs } from 'nestjs-jobs';
import { AppModule } from './app.module';

/**
 * A worker-only process of the demo (no HTTP server):
 *   npm run worker -- high_priority low_priority --concurrency high_priority=16
 * With no queue names it serves every queue. An unknown queue name fails at once.
 */
async function main() {
  const options = parseWorkerArgs(process.argv.slice(2));
  await bootstrapWorker(AppModule.register(), options);
  const which = options.queues?.length ? options.queues.join(', ') : 'every queue';
  new Logger('Demo').log(`Worker process ${process.pid} serving ${which}`);
}

main().catch((error: Error) => {
  // eslint-disable-next-line no-console
  console.error(error.message);
  process.exitCode = 1;
});
