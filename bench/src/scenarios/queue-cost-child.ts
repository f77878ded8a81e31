// One process for the queue-cost scenario: JobsModule with BENCH_QUEUES queues (default, q2..qN) under
// BENCH_PREFIX, serving them at concurrency 1 (BENCH_MODE=worker), autoscaling 1-2
// (BENCH_MODE=autoscaled) or serving none (BENCH_MODE=producer, `workers: false`). Says `ready` over
// IPC once booted, answers `memory` with its RSS and heap (after a GC), and exits on `exit`.
import '../register-paths';
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { JobHandler, JobsModule, type QueueConfig } from 'nestjs-jobs';
import { bootNest } from '../contenders';

export type QueueCostMode = 'worker' | 'autoscaled' | 'producer';

export type QueueCostMessage =
  { type: 'ready' } | { type: 'memory'; rss: number; heapUsed: number };

const mode = process.env.BENCH_MODE as QueueCostMode;
// JobsModule always adds `default`: counted as one of them, so 1 queue is 1 queue.
const queueNames = Array.from(
  { length: Number(process.env.BENCH_QUEUES) },
  (_, i) => (i === 0 ? 'default' : `q${i + 1}`),
);
const concurrency: QueueConfig['concurrency'] =
  mode === 'autoscaled' ? { min: 1, max: 2 } : 1;

@Injectable()
class NoopJobs {
  @JobHandler('noop')
  noop(): number {
    return 1;
  }
}

@Module({
  imports: [
    JobsModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: process.env.BENCH_PREFIX!,
      queues: Object.fromEntries(queueNames.map((q) => [q, { concurrency }])),
      workers: mode !== 'producer',
    }),
  ],
  providers: [NoopJobs],
})
class QueueCostModule {}

if (require.main === module) {
  const send = (message: QueueCostMessage) => process.send!(message);
  bootNest(QueueCostModule).then(
    (app) => {
      process.on('message', (message: { type: string }) => {
        if (message.type === 'memory') {
          // Twice: the first pass can leave objects with finalizers for the second.
          const gc = (globalThis as { gc?: () => void }).gc;
          gc?.();
          gc?.();
          const { rss, heapUsed } = process.memoryUsage();
          send({ type: 'memory', rss, heapUsed });
        } else if (message.type === 'exit') {
          void app.close().then(() => process.exit(0));
        }
      });
      send({ type: 'ready' });
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
