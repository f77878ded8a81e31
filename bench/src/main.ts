// `npm run bench [-- --quick] [-- --only=throughput,enqueue,isolation,memory,...]`: see bench/README.md.
import './register-paths';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { log, now, repoRoot, startRedis, type PrivateRedis } from './support';
import { runThroughput } from './scenarios/throughput';
import { runEnqueue } from './scenarios/enqueue';
import { runIsolation } from './scenarios/isolation';
import { runMemory } from './scenarios/memory';
import { runAutoscale } from './scenarios/autoscale';
import { runScaleout } from './scenarios/scaleout';
import { runPoolUrgent } from './scenarios/pool-urgent';
import { runPoolCpu } from './scenarios/pool-cpu';
import { runLatency } from './scenarios/latency';
import { runQueueCost } from './scenarios/queue-cost';
import {
  checkTargets,
  toMarkdown,
  type BenchResults,
  type MachineInfo,
} from './report';
import { renderCharts } from './charts';

const SCENARIOS = [
  'throughput',
  'enqueue',
  'isolation',
  'memory',
  'autoscale',
  'scaleout',
  'pool-urgent',
  'pool-cpu',
  'latency',
  'queue-cost',
] as const;
type Scenario = (typeof SCENARIOS)[number];

/** Sizes from the issues; --quick shrinks each so the whole run takes about 2 minutes (CI runs it). */
const SIZES = {
  full: {
    throughput: { jobs: 20_000, rounds: 5, concurrencies: [1, 8, 50] },
    enqueue: { jobs: 25_000, rounds: 5, batch: 1_000, callers: 64 },
    isolation: {
      urgentPerSec: 50,
      seconds: 20,
      urgentMs: 5,
      slowJobs: 400,
      slowMs: 200,
    },
    memory: { jobs: 100_000, every: 10_000, baselineJobs: 20_000 },
    autoscale: { jobs: 2_000, jobMs: 20, min: 2, max: 32 },
    scaleout: { jobsPerQueue: 5_000, processes: [1, 2, 4] },
    'pool-urgent': {
      cpuJobs: 12,
      cpuMs: 300,
      urgentPerSec: 40,
      urgentMs: 5,
      idleUrgentJobs: 80,
      rounds: 3,
    },
    'pool-cpu': { jobs: 400, jobMs: 20, processes: [1, 2, 4], rounds: 3 },
    // 1,000 idle jobs a round (for the p99.9) at 100/s, the lowest rate that fits ~3 minutes.
    latency: {
      rounds: 5,
      idleJobs: 1_000,
      idlePerSec: 100,
      loadedSeconds: 2,
      loadShare: 0.5,
      burstJobs: 3_000,
      warmUpJobs: 2_000,
    },
    'queue-cost': { queues: [1, 10, 100], settleMs: 3_000, windowMs: 30_000 },
  },
  quick: {
    throughput: { jobs: 2_000, rounds: 1, concurrencies: [1, 8, 50] },
    enqueue: { jobs: 2_000, rounds: 2, batch: 500, callers: 64 },
    isolation: {
      urgentPerSec: 50,
      seconds: 3,
      urgentMs: 5,
      slowJobs: 40,
      slowMs: 200,
    },
    memory: { jobs: 10_000, every: 2_000, baselineJobs: 2_000 },
    autoscale: { jobs: 200, jobMs: 20, min: 2, max: 16 },
    scaleout: { jobsPerQueue: 200, processes: [1, 2] },
    'pool-urgent': {
      cpuJobs: 6,
      cpuMs: 300,
      urgentPerSec: 40,
      urgentMs: 5,
      idleUrgentJobs: 40,
      rounds: 1,
    },
    'pool-cpu': { jobs: 100, jobMs: 20, processes: [1, 2, 4], rounds: 1 },
    latency: {
      rounds: 2,
      idleJobs: 50,
      idlePerSec: 100,
      loadedSeconds: 0.5,
      loadShare: 0.5,
      burstJobs: 1_000,
      warmUpJobs: 500,
    },
    'queue-cost': { queues: [1, 10], settleMs: 1_000, windowMs: 3_000 },
  },
};

function parseArgs(argv: string[]): { quick: boolean; only: Scenario[] } {
  let quick = false;
  let only: Scenario[] = [...SCENARIOS];
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--only=')) {
      const names = arg.slice('--only='.length).split(',').filter(Boolean);
      const bad = names.filter(
        (n) => !(SCENARIOS as readonly string[]).includes(n),
      );
      if (bad.length || names.length === 0) {
        throw new Error(
          `Unknown scenario "${bad.join(', ')}" in ${arg}. Use --only= with any of: ${SCENARIOS.join(', ')}.`,
        );
      }
      only = names as Scenario[];
    } else {
      throw new Error(
        `Unknown argument "${arg}". Use --quick and/or --only=${SCENARIOS.join(',')}.`,
      );
    }
  }
  return { quick, only };
}

const version = (pkg: string): string =>
  (
    JSON.parse(
      fs.readFileSync(
        path.join(repoRoot, 'node_modules', pkg, 'package.json'),
        'utf8',
      ),
    ) as { version: string }
  ).version;

async function machineInfo(redis: PrivateRedis): Promise<MachineInfo> {
  const client = new Redis(redis.url);
  const info = await client.info('server');
  client.disconnect();
  return {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    loadavgAtStart: os.loadavg(),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    bullmq: version('bullmq'),
    nestBullmq: version('@nestjs/bullmq'),
    nest: version('@nestjs/core'),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const mode = quick ? 'quick' : 'full';
  const sizes = SIZES[mode];
  // Quick and partial runs must not overwrite the committed results of the last full run.
  const sub = quick
    ? ['quick']
    : only.length < SCENARIOS.length
      ? ['partial']
      : [];
  const outDir = path.join(repoRoot, 'bench', 'results', ...sub);
  const started = now();
  const redis = await startRedis();
  const results: BenchResults = {
    mode,
    machine: await machineInfo(redis),
    errors: [],
    targets: [],
  };
  log(
    `nestjs-jobs bench (${mode}): ${only.join(', ')} on Redis ${results.machine.redis}, Node ${results.machine.node}, ${results.machine.cpus} cores`,
  );
  try {
    for (const scenario of only) {
      log(`\n${scenario}`);
      try {
        if (scenario === 'throughput')
          results.throughput = await runThroughput(redis, sizes.throughput);
        if (scenario === 'enqueue')
          results.enqueue = await runEnqueue(redis, sizes.enqueue);
        if (scenario === 'isolation')
          results.isolation = await runIsolation(redis, sizes.isolation);
        if (scenario === 'memory')
          results.memory = await runMemory(redis, sizes.memory);
        if (scenario === 'autoscale')
          results.autoscale = await runAutoscale(redis, sizes.autoscale);
        if (scenario === 'scaleout')
          results.scaleout = await runScaleout(redis, sizes.scaleout);
        if (scenario === 'pool-urgent')
          results.poolUrgent = await runPoolUrgent(redis, sizes['pool-urgent']);
        if (scenario === 'pool-cpu')
          results.poolCpu = await runPoolCpu(
            redis,
            sizes['pool-cpu'],
            results.machine.cpus,
          );
        if (scenario === 'latency')
          results.latency = await runLatency(redis, sizes.latency);
        if (scenario === 'queue-cost')
          results.queueCost = await runQueueCost(redis, sizes['queue-cost']);
      } catch (error) {
        log(`  ${scenario} failed: ${(error as Error).stack}`);
        results.errors.push({ scenario, message: (error as Error).message });
      }
    }
  } finally {
    await redis.stop();
  }
  results.durationSec = (now() - started) / 1000;
  results.targets = checkTargets(results);
  fs.mkdirSync(outDir, { recursive: true });
  const charts = await renderCharts(results, outDir);
  const markdown = toMarkdown(results, charts);
  fs.writeFileSync(
    path.join(outDir, 'latest.json'),
    JSON.stringify(results, null, 2) + '\n',
  );
  fs.writeFileSync(path.join(outDir, 'latest.md'), markdown);
  process.stdout.write(`\n${markdown}\n`);
  log(
    `Wrote ${path.relative(repoRoot, outDir)}/latest.json, latest.md, ${charts.join(', ')}`,
  );
  if (!quick) {
    const missed = results.targets.filter((t) => !t.pass);
    for (const t of results.targets)
      log(
        `${t.pass ? 'PASS' : 'MISS'}  ${t.what}: ${t.value} (target ${t.target})`,
      );
    log(
      missed.length
        ? `${missed.length} target(s) missed: see bench/README.md for how to profile.`
        : 'All targets met.',
    );
  }
  // A scenario that crashed is a broken bench (exit 1); a missed target is a finding (exit 0).
  return results.errors.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log(`bench: ${(error as Error).message}`);
    process.exit(1);
  },
);
