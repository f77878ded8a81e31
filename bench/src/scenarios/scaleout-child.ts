// One worker process for the scale-out scenario: serves queues q1..q4 with no-op jobs, on a single
// Redis (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES), under BENCH_PREFIX. Prints READY.
import '../register-paths';
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { JobHandler, JobsModule } from 'nestjs-jobs';
import { bootNest } from '../contenders';

export const SCALEOUT_QUEUES = ['q1', 'q2', 'q3', 'q4'];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

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
      prefix: process.env.BENCH_PREFIX!,
      queues: Object.fromEntries(
        SCALEOUT_QUEUES.map((q) => [
          q,
          { concurrency: CONCURRENCY, retention: { completed: true } },
        ]),
      ),
    }),
  ],
  providers: [NoopJobs],
})
class ScaleoutWorkerModule {}

if (require.main === module) {
  bootNest(ScaleoutWorkerModule).then(
    (app) => {
      process.stdout.write('READY\n');
      process.once(
        'SIGTERM',
        () => void app.close().then(() => process.exit(0)),
      );
    },
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
