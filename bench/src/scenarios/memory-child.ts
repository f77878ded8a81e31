// One nestjs-jobs worker process for scenario 4. Run by memory.ts with --expose-gc; reports its
// memory over IPC each time another `every` jobs have run, then exits when told.
import '../register-paths';
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { JobHandler, JobsModule } from 'nestjs-jobs';
import { bootNest } from '../contenders';
import { BackupPayload } from './enqueue';

const total = Number(process.env.BENCH_JOBS);
const every = Number(process.env.BENCH_EVERY);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory-child needs node --expose-gc');
let done = 0;

function sample(checkpoint: number): void {
  // Twice: the first pass can leave objects with finalizers for the second.
  gc!();
  gc!();
  const m = process.memoryUsage();
  process.send!({
    type: 'sample',
    jobs: checkpoint,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
  });
  if (checkpoint >= total) process.send!({ type: 'done' });
}

@Injectable()
class BackupHandler {
  @JobHandler('backup', { payload: BackupPayload })
  backup(data: BackupPayload): Promise<number> {
    done++;
    // Sampled outside the job, once its slot is free again.
    if (done % every === 0) setImmediate(sample, done);
    return Promise.resolve(data.deviceId);
  }
}

@Module({
  imports: [
    JobsModule.forRoot({
      connection: process.env.REDIS_URL!,
      prefix: 'bench-mem',
      queues: { default: 8 },
    }),
  ],
  providers: [BackupHandler],
})
class MemoryBenchModule {}

void (async () => {
  const app = await bootNest(MemoryBenchModule);
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'exit') return;
    void app.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready' });
})();
