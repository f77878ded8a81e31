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
import { EnqueueCoalescer } from '../coalescing-producer';
// Internal on purpose: the check is what scenario 2 measures against class-validator.
import { PayloadCheckCompiler } from '../../../libs/jobs/src/payload/compiled-payload-check';
import {
  log,
  measureCpu,
  median,
  now,
  rotate,
  spread,
  type PrivateRedis,
  type Spread,
} from '../support';

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

/** One contender in one mode, over the rounds. */
export interface EnqueueFigures {
  jobsPerSec: Spread;
  nodeUsPerJob: Spread;
  redisUsPerJob: Spread;
}

export interface EnqueueMode {
  jobs: number;
  /** How many callers enqueue at once (1: one at a time, each awaited). */
  callers: number;
  figures: Partial<Record<EnqueueContender, EnqueueFigures>> &
    Record<Exclude<EnqueueContender, 'rawCoalesced'>, EnqueueFigures>;
  /** Concurrent callers only: coalesced into addBulk over one add each, both raw with UUID ids. */
  coalescedOverAdd?: Spread;
  /** nestjs-jobs over raw BullMQ, per round: jobs/s and Node CPU per job. */
  ratio: Spread;
  cpuRatio: Spread;
  /** The same job with no payload class, so validation's share can be told apart. */
  unvalidatedRatio: Spread;
  /**
   * Raw bullmq given a random UUID `jobId` per job, as nestjs-jobs' ids once were: nestjs-jobs
   * against this is the cost of the library's own code.
   */
  overRawWithIds: Spread;
}

export type EnqueueContender =
  'raw' | 'rawWithIds' | 'nestjsJobs' | 'unvalidated' | 'rawCoalesced';
const ENQUEUE_CONTENDERS: readonly EnqueueContender[] = [
  'raw',
  'rawWithIds',
  'nestjsJobs',
  'unvalidated',
];
/**
 * Concurrent callers only: raw bullmq with UUID ids, concurrent adds coalesced into one `addBulk`
 * per turn of the event loop (bench/src/coalescing-producer.ts). Against rawWithIds, it answers
 * whether coalescing would pay.
 */
const CONCURRENT_CONTENDERS: readonly EnqueueContender[] = [
  ...ENQUEUE_CONTENDERS,
  'rawCoalesced',
];

/** CPU cost of validating one BackupPayload, without Redis: the compiled check against plainToInstance + validateSync. */
export interface ValidationCost {
  jobs: number;
  compiledUs: number;
  classValidatorUs: number;
}

type ModeName = 'single' | 'concurrent' | 'bulk';

export interface EnqueueSample {
  mode: ModeName;
  contender: EnqueueContender;
  round: number;
  jobs: number;
  ms: number;
  nodeUsPerJob: number;
  redisUsPerJob: number;
}

export interface EnqueueResult {
  rounds: number;
  validation: ValidationCost;
  single: EnqueueMode;
  concurrent: EnqueueMode;
  bulk: EnqueueMode & { batch: number };
  samples: EnqueueSample[];
}

/**
 * Scenario 2. The same jobs, validated payload class on the nestjs-jobs side, enqueued one at a
 * time (awaiting each), by `callers` concurrent callers (what an HTTP server does), and in batches;
 * the contenders alternate in `rounds` slices after a warm-up.
 */
export async function runEnqueue(
  redis: PrivateRedis,
  opts: { jobs: number; rounds: number; batch: number; callers: number },
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
  const samples: EnqueueSample[] = [];
  const slice = Math.ceil(opts.jobs / opts.rounds);
  const nameOf = (c: EnqueueContender) =>
    c === 'unvalidated' ? 'unvalidated' : 'backup';
  /** Adds job `i` as contender `c` would, one job per call. */
  const coalescer = new EnqueueCoalescer(() => raw);
  const addOne = (c: EnqueueContender, i: number): Promise<unknown> =>
    c === 'raw'
      ? raw.add('backup', backupData(i))
      : c === 'rawWithIds'
        ? raw.add('backup', backupData(i), { jobId: randomUUID() })
        : c === 'rawCoalesced'
          ? coalescer.add({
              queue: 'raw',
              name: 'backup',
              data: backupData(i),
              opts: { jobId: randomUUID() },
            })
          : jobs.enqueue({ name: nameOf(c), data: backupData(i) });
  const addBatch = (c: EnqueueContender, from: number, n: number) => {
    const data = (k: number) => backupData(from + k);
    if (c === 'raw')
      return raw.addBulk(
        Array.from({ length: n }, (_, k) => ({
          name: 'backup',
          data: data(k),
        })),
      );
    if (c === 'rawWithIds' || c === 'rawCoalesced')
      return raw.addBulk(
        Array.from({ length: n }, (_, k) => ({
          name: 'backup',
          data: data(k),
          opts: { jobId: randomUUID() },
        })),
      );
    return jobs.enqueueMany(
      Array.from({ length: n }, (_, k) => ({ name: nameOf(c), data: data(k) })),
    );
  };
  /** `slice` jobs as `c`: `callers` loops each awaiting its own calls, or batches. */
  const work = (mode: ModeName, c: EnqueueContender) => async () => {
    if (mode === 'bulk') {
      for (let i = 0; i < slice; i += opts.batch)
        await addBatch(c, i, Math.min(opts.batch, slice - i));
      return;
    }
    let next = 0;
    const caller = async () => {
      while (next < slice) await addOne(c, next++);
    };
    await Promise.all(
      Array.from({ length: mode === 'single' ? 1 : opts.callers }, caller),
    );
  };
  try {
    // Warm-up: JIT, connections, Lua script loading.
    for (const c of CONCURRENT_CONTENDERS) {
      for (let i = 0; i < 500; i++) await addOne(c, i);
      await addBatch(c, 0, opts.batch);
    }
    for (const mode of ['single', 'concurrent', 'bulk'] as const) {
      const contenders =
        mode === 'concurrent' ? CONCURRENT_CONTENDERS : ENQUEUE_CONTENDERS;
      for (let round = 0; round < opts.rounds; round++) {
        for (const contender of rotate(contenders, round)) {
          const m = await measureCpu(admin, slice, work(mode, contender));
          samples.push({
            mode,
            contender,
            round,
            jobs: slice,
            ms: m.ms,
            nodeUsPerJob: m.nodeUs,
            redisUsPerJob: m.redisUs,
          });
        }
      }
    }
  } finally {
    await raw.close();
    await app.close();
    await admin.flushall();
    admin.disconnect();
  }
  const summarise = (m: ModeName): EnqueueMode => {
    const of = (c: EnqueueContender) =>
      samples.filter((x) => x.mode === m && x.contender === c);
    const rate = (x: EnqueueSample) => (x.jobs / x.ms) * 1000;
    const figures = Object.fromEntries(
      (m === 'concurrent' ? CONCURRENT_CONTENDERS : ENQUEUE_CONTENDERS).map(
        (c) => [
          c,
          {
            jobsPerSec: spread(of(c).map(rate)),
            nodeUsPerJob: spread(of(c).map((x) => x.nodeUsPerJob)),
            redisUsPerJob: spread(of(c).map((x) => x.redisUsPerJob)),
          },
        ],
      ),
    ) as EnqueueMode['figures'];
    // Ratios within a round (slices seconds apart) are steadier than ratios of totals on a shared machine.
    const ratio = (
      top: EnqueueContender,
      bottom: EnqueueContender,
      pick: (x: EnqueueSample) => number = rate,
    ) =>
      spread(
        of(top).map(
          (t) => pick(t) / pick(of(bottom).find((b) => b.round === t.round)!),
        ),
      );
    const result: EnqueueMode = {
      jobs: slice * opts.rounds,
      callers: m === 'concurrent' ? opts.callers : 1,
      figures,
      ratio: ratio('nestjsJobs', 'raw'),
      cpuRatio: ratio('nestjsJobs', 'raw', (x) => x.nodeUsPerJob),
      unvalidatedRatio: ratio('unvalidated', 'raw'),
      overRawWithIds: ratio('nestjsJobs', 'rawWithIds'),
      ...(m === 'concurrent' && {
        coalescedOverAdd: ratio('rawCoalesced', 'rawWithIds'),
      }),
    };
    const f = (v: number) => Math.round(v).toLocaleString('en-US');
    log(
      `  enqueue ${m}: raw ${f(figures.raw.jobsPerSec.median)}/s, nestjs-jobs ${f(figures.nestjsJobs.jobsPerSec.median)}/s ` +
        `(${result.ratio.median.toFixed(3)} of raw; Node CPU ${result.cpuRatio.median.toFixed(3)}x), ` +
        `without payload class ${result.unvalidatedRatio.median.toFixed(3)}, over raw with UUID ids ${result.overRawWithIds.median.toFixed(3)}`,
    );
    return result;
  };
  return {
    rounds: opts.rounds,
    validation: measureValidation(opts.jobs, opts.rounds),
    single: summarise('single'),
    concurrent: summarise('concurrent'),
    bulk: { ...summarise('bulk'), batch: opts.batch },
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
