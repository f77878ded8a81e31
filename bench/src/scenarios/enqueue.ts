import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { JobHandler, JobsModule, JobService } from 'nestjs-jobs';
import { bootNest } from '../contenders';
// Internal on purpose: the check is what scenario 2 measures against class-validator.
import { PayloadCheckCompiler } from '../../../libs/jobs/src/payload/compiled-payload-check';
import { log, median, now, rotate, type PrivateRedis } from '../support';

export class BackupWindow {
  @IsInt() @Min(0) @Max(23) startHour: number;
  @IsInt() @Min(1) @Max(24) hours: number;
}

/** A typical small job payload: a few scalars, an array and a nested object. */
export class BackupPayload {
  @IsInt() @Min(1) deviceId: number;
  @IsIn(['full', 'incremental']) kind: 'full' | 'incremental';
  @IsString({ each: true }) @ArrayMaxSize(16) tags: string[];
  @IsOptional() @IsBoolean() verify?: boolean;
  @IsOptional() @IsString() @MaxLength(200) note?: string;
  @ValidateNested() @Type(() => BackupWindow) window: BackupWindow;
}

export const backupData = (i: number): BackupPayload => ({
  deviceId: (i % 5000) + 1,
  kind: i % 2 ? 'full' : 'incremental',
  tags: ['core', 'dc1'],
  verify: true,
  note: 'nightly',
  window: { startHour: 2, hours: 3 },
});

export interface EnqueueMode {
  jobs: number;
  rawPerSec: number;
  nestjsJobsPerSec: number;
  ratio: number;
  /** Informational: the same job with no payload class, so validation's share can be told apart. */
  unvalidatedPerSec: number;
  unvalidatedRatio: number;
  /**
   * Informational: raw bullmq given a random UUID `jobId` per job, as nestjs-jobs does so that ids
   * are unique across queues. nestjs-jobs against this is the cost of the library's own code.
   */
  rawWithIdsPerSec: number;
  overRawWithIds: number;
}

type EnqueueContender = 'raw' | 'rawWithIds' | 'nestjsJobs' | 'unvalidated';
const ENQUEUE_CONTENDERS: readonly EnqueueContender[] = [
  'raw',
  'rawWithIds',
  'nestjsJobs',
  'unvalidated',
];

/** CPU cost of validating one BackupPayload, without Redis: the compiled check against plainToInstance + validateSync. */
export interface ValidationCost {
  jobs: number;
  compiledUs: number;
  classValidatorUs: number;
}

export interface EnqueueResult {
  rounds: number;
  validation: ValidationCost;
  single: EnqueueMode;
  bulk: EnqueueMode & { batch: number };
  samples: {
    mode: 'single' | 'bulk';
    contender: EnqueueContender;
    round: number;
    jobs: number;
    ms: number;
  }[];
}

/**
 * Scenario 2. The same jobs, validated payload class on the nestjs-jobs side, enqueued one at a
 * time (awaiting each) and in batches; the two contenders alternate in `rounds` slices.
 */
export async function runEnqueue(
  redis: PrivateRedis,
  opts: { jobs: number; rounds: number; batch: number },
): Promise<EnqueueResult> {
  @Injectable()
  class BackupHandler {
    @JobHandler('backup', { payload: BackupPayload })
    async backup(): Promise<void> {}

    @JobHandler('unvalidated')
    async unvalidated(): Promise<void> {}
  }
  @Module({
    // workers: false: enqueue only, as in a web process; nothing consumes during the measurement.
    imports: [
      JobsModule.forRoot({
        connection: redis.url,
        prefix: 'bench-enq',
        queues: { default: 1 },
        workers: false,
      }),
    ],
    providers: [BackupHandler],
  })
  class EnqueueBenchModule {}

  const admin = new Redis(redis.url);
  await admin.flushall();
  const app = await bootNest(EnqueueBenchModule);
  const jobs = app.app.get(JobService);
  const raw = new Queue('raw', {
    connection: { host: redis.host, port: redis.port },
    prefix: 'bench-enq',
  });
  await raw.waitUntilReady();
  const samples: EnqueueResult['samples'] = [];
  const slice = Math.ceil(opts.jobs / opts.rounds);
  try {
    // Warm-up: JIT, connections, Lua script loading.
    for (let i = 0; i < 200; i++) {
      await raw.add('backup', backupData(i));
      await raw.add('backup', backupData(i), { jobId: randomUUID() });
      await jobs.enqueue({ name: 'backup', data: backupData(i) });
      await jobs.enqueue({ name: 'unvalidated', data: backupData(i) });
    }
    for (let round = 0; round < opts.rounds; round++) {
      for (const contender of rotate(ENQUEUE_CONTENDERS, round)) {
        const t0 = now();
        for (let i = 0; i < slice; i++) {
          if (contender === 'raw') await raw.add('backup', backupData(i));
          else if (contender === 'rawWithIds')
            await raw.add('backup', backupData(i), { jobId: randomUUID() });
          else
            await jobs.enqueue({
              name: contender === 'nestjsJobs' ? 'backup' : 'unvalidated',
              data: backupData(i),
            });
        }
        samples.push({
          mode: 'single',
          contender,
          round,
          jobs: slice,
          ms: now() - t0,
        });
      }
    }
    for (let round = 0; round < opts.rounds; round++) {
      for (const contender of rotate(ENQUEUE_CONTENDERS, round)) {
        const t0 = now();
        const name = contender === 'unvalidated' ? 'unvalidated' : 'backup';
        for (let i = 0; i < slice; i += opts.batch) {
          const n = Math.min(opts.batch, slice - i);
          if (contender === 'raw')
            await raw.addBulk(
              Array.from({ length: n }, (_, k) => ({
                name,
                data: backupData(i + k),
              })),
            );
          else if (contender === 'rawWithIds') {
            await raw.addBulk(
              Array.from({ length: n }, (_, k) => ({
                name,
                data: backupData(i + k),
                opts: { jobId: randomUUID() },
              })),
            );
          } else
            await jobs.enqueueMany(
              Array.from({ length: n }, (_, k) => ({
                name,
                data: backupData(i + k),
              })),
            );
        }
        samples.push({
          mode: 'bulk',
          contender,
          round,
          jobs: slice,
          ms: now() - t0,
        });
      }
    }
  } finally {
    await raw.close();
    await app.close();
    await admin.flushall();
    admin.disconnect();
  }
  const mode = (m: 'single' | 'bulk'): EnqueueMode => {
    const rate = (c: EnqueueContender, round?: number) => {
      const s = samples.filter(
        (x) =>
          x.mode === m &&
          x.contender === c &&
          (round === undefined || x.round === round),
      );
      return (
        (s.reduce((a, x) => a + x.jobs, 0) / s.reduce((a, x) => a + x.ms, 0)) *
        1000
      );
    };
    // Ratios within a round (slices seconds apart) are steadier than ratios of totals on a shared machine.
    const ratio = (top: EnqueueContender, bottom: EnqueueContender) =>
      median(
        Array.from(
          { length: opts.rounds },
          (_, round) => rate(top, round) / rate(bottom, round),
        ),
      );
    const r = rate('raw');
    const c = rate('nestjsJobs');
    const u = rate('unvalidated');
    const w = rate('rawWithIds');
    const f = (v: number) => Math.round(v).toLocaleString('en-US');
    const ratios = {
      ratio: ratio('nestjsJobs', 'raw'),
      unvalidatedRatio: ratio('unvalidated', 'raw'),
      overRawWithIds: ratio('nestjsJobs', 'rawWithIds'),
    };
    log(
      `  enqueue ${m}: raw ${f(r)}/s, raw with UUID ids ${f(w)}/s, nestjs-jobs ${f(c)}/s (${ratios.ratio.toFixed(3)} of raw, ` +
        `${ratios.overRawWithIds.toFixed(3)} of raw with ids), without payload class ${f(u)}/s (${ratios.unvalidatedRatio.toFixed(3)})`,
    );
    return {
      jobs: slice * opts.rounds,
      rawPerSec: r,
      nestjsJobsPerSec: c,
      unvalidatedPerSec: u,
      rawWithIdsPerSec: w,
      ...ratios,
    };
  };
  return {
    rounds: opts.rounds,
    validation: measureValidation(opts.jobs, opts.rounds),
    single: mode('single'),
    bulk: { ...mode('bulk'), batch: opts.batch },
    samples,
  };
}

/** Validates the same payloads both ways, alternating slices; median µs per payload. */
function measureValidation(jobs: number, rounds: number): ValidationCost {
  const check = new PayloadCheckCompiler().compile(BackupPayload).check;
  if (!check) throw new Error('BackupPayload should compile to the fast check');
  const options = {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  };
  const slice = Math.ceil(jobs / rounds);
  const compiled: number[] = [];
  const classic: number[] = [];
  for (let i = 0; i < 2_000; i++) check(backupData(i)); // warm-up
  for (let round = 0; round < rounds; round++) {
    let t0 = now();
    for (let i = 0; i < slice; i++)
      if (!check(backupData(i))) throw new Error('valid payload rejected');
    compiled.push(((now() - t0) * 1000) / slice);
    t0 = now();
    for (let i = 0; i < slice; i++)
      if (
        validateSync(plainToInstance(BackupPayload, backupData(i)), options)
          .length
      )
        throw new Error('valid payload rejected');
    classic.push(((now() - t0) * 1000) / slice);
  }
  const result = {
    jobs: slice * rounds,
    compiledUs: median(compiled),
    classValidatorUs: median(classic),
  };
  log(
    `  payload validation: compiled check ${result.compiledUs.toFixed(1)} µs, plainToInstance + validateSync ${result.classValidatorUs.toFixed(1)} µs`,
  );
  return result;
}
