import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { bootstrapWorker, parseWorkerArgs } from 'nestjs-jobs';
import { AppModule } from './app.module';

/**
 * The demo's worker entry (no HTTP server).
 *   npm run worker                      the pool: supervises a process per pooled queue (reports)
 *                                       and one for the other queues; what `npm start` runs
 *   npm run worker -- high_priority     one process serving just those queues, NetBox's
 *                                       `rqworker high_priority`; --concurrency q=n, --processes q=n
 * An unknown queue name fails at once.
 */
async function main() {
  const options = parseWorkerArgs(process.argv.slice(2));
  await bootstrapWorker(AppModule.register(), options);
  const which = options.queues?.length
    ? options.queues.join(', ')
    : 'the pool (every queue)';
  new Logger('Demo').log(`Worker process ${process.pid} serving ${which}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
