import type { ThroughputResult } from './scenarios/throughput';
import { CONTENDERS } from './contenders';
import type { Spread } from './support';
import type { EnqueueContender, EnqueueResult } from './scenarios/enqueue';
import type { IsolationResult } from './scenarios/isolation';
import type { AutoscaleResult } from './scenarios/autoscale';
import type { ScaleoutResult } from './scenarios/scaleout';
import type { MemoryResult } from './scenarios/memory';
import type { PoolUrgentResult } from './scenarios/pool-urgent';
import type { PoolCpuResult } from './scenarios/pool-cpu';
import type { LatencyResult } from './scenarios/latency';
import type { QueueCostResult } from './scenarios/queue-cost';
import { mb } from './scenarios/memory';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  loadavgAtStart: number[];
  node: string;
  redis: string;
  bullmq: string;
  nestBullmq: string;
  nest: string;
  os: string;
}

export interface TargetCheck {
  what: string;
  value: string;
  target: string;
  pass: boolean;
}

export interface BenchResults {
  mode: 'full' | 'quick';
  machine: MachineInfo;
  durationSec?: number;
  throughput?: ThroughputResult;
  enqueue?: EnqueueResult;
  isolation?: IsolationResult;
  memory?: MemoryResult;
  autoscale?: AutoscaleResult;
  scaleout?: ScaleoutResult;
  poolUrgent?: PoolUrgentResult;
  poolCpu?: PoolCpuResult;
  latency?: LatencyResult;
  queueCost?: QueueCostResult;
  errors: { scenario: string; message: string }[];
  targets: TargetCheck[];
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const r3 = (v: number) => v.toFixed(3);
const ms1 = (v: number) => v.toFixed(1);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** A median with its range over the rounds: `0.982 (0.951–1.013)`. */
const withRange = (s: Spread, format: (v: number) => string = r3) =>
  `${format(s.median)} (${format(s.min)}–${format(s.max)})`;

/** The issue's targets, checked against `results`. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const row of results.throughput?.rows ?? []) {
    const c = row.concurrency;
    // Issue 15: on defaults, against raw BullMQ with removeOnComplete: true. CPU first: it is the steadier figure.
    out.push({
      what: `throughput on defaults, Node CPU/job c/a0, concurrency ${c}`,
      value: withRange(row.cOverA0.nodeCpu),
      target: '≤ 1.05',
      pass: row.cOverA0.nodeCpu.median <= 1.05,
    });
    out.push({
      what: `throughput on defaults, jobs/s c/a0, concurrency ${c}`,
      value: withRange(row.cOverA0.jobsPerSec),
      target: '≥ 0.95',
      pass: row.cOverA0.jobsPerSec.median >= 0.95,
    });
    out.push({
      what: `throughput, equal retention, jobs/s c/a, concurrency ${c}`,
      value: withRange(row.cOverA.jobsPerSec),
      target: '≥ 0.95',
      pass: row.cOverA.jobsPerSec.median >= 0.95,
    });
    out.push({
      what: `throughput, equal retention, jobs/s c/b, concurrency ${c}`,
      value: withRange(row.cOverB.jobsPerSec),
      target: '≥ 1.00',
      pass: row.cOverB.jobsPerSec.median >= 1.0,
    });
  }
  const e = results.enqueue;
  if (e) {
    out.push({
      what: 'enqueue one at a time vs queue.add, jobs/s',
      value: withRange(e.single.ratio),
      target: '≥ 0.85',
      pass: e.single.ratio.median >= 0.85,
    });
    out.push({
      what: `enqueue by ${e.concurrent.callers} concurrent callers vs queue.add, jobs/s`,
      value: withRange(e.concurrent.ratio),
      target: '≥ 0.95',
      pass: e.concurrent.ratio.median >= 0.95,
    });
    out.push({
      what: `enqueueMany(${e.bulk.batch}) vs addBulk, jobs/s`,
      value: withRange(e.bulk.ratio),
      target: '≥ 0.95',
      pass: e.bulk.ratio.median >= 0.95,
    });
  }
  const i = results.isolation;
  if (i) {
    out.push({
      what: 'isolation: (ii) urgent p99 / idle p99',
      value: `${r3(i.p99Ratio)} (${ms1(i.split.p99)} / ${ms1(i.idle.p99)} ms)`,
      target: '≤ 1.5',
      pass: i.p99Ratio <= 1.5,
    });
  }
  const m = results.memory;
  if (m) {
    out.push({
      what: `memory: RSS ${n0(m.baselineJobs)} → ${n0(m.jobs)} jobs`,
      value: pct(m.rssDrift),
      target: '< 10%',
      pass: Math.abs(m.rssDrift) < 0.1,
    });
    out.push({
      what: `memory: heap ${n0(m.baselineJobs)} → ${n0(m.jobs)} jobs`,
      value: pct(m.heapDrift),
      target: '< 10%',
      pass: Math.abs(m.heapDrift) < 0.1,
    });
  }
  const pu = results.poolUrgent;
  if (pu) {
    const b = pu.pool;
    const limit = 3 * b.roundIdleP99 + 20;
    out.push({
      what: "pool: urgent p99 under a CPU-bound flood vs idle (medians of the rounds' p99)",
      value: `${ms1(b.roundLoadedP99)} ms (idle ${ms1(b.roundIdleP99)} ms, ${b.p99Ratio.toFixed(2)}x)`,
      target: `≤ 3 × idle p99 + 20 ms = ${ms1(limit)} ms`,
      pass: b.roundLoadedP99 <= limit,
    });
  }
  const two = results.poolCpu?.cases.find((c) => c.processes === 2);
  if (two)
    out.push({
      what: 'pool: CPU-bound drain speed-up, 2 processes vs 1',
      value: `${two.speedup.toFixed(2)}x`,
      target: '≥ 1.6x',
      pass: two.speedup >= 1.6,
    });
  return out;
}

function table(header: string[], rows: (string | number)[][]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** The results as Markdown: tables, targets and the machine, ready to paste into a README. */
export function toMarkdown(results: BenchResults, charts: string[]): string {
  const m = results.machine;
  const parts: string[] = [];
  parts.push(`# Benchmark results (${results.mode} run, ${m.date})`);
  parts.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), load average at start ${m.loadavgAtStart.map((l) => l.toFixed(2)).join(' / ')}, ${m.os}; ` +
      `Node ${m.node}, Redis ${m.redis} (private, TCP loopback), bullmq ${m.bullmq}, @nestjs/bullmq ${m.nestBullmq}, Nest ${m.nest}. ` +
      `Reproduce with \`npm run bench\`${results.mode === 'quick' ? ' (this was `npm run bench -- --quick`)' : ''}.` +
      (results.durationSec
        ? ` The run took ${Math.round(results.durationSec)} s.`
        : ''),
  );
  const t = results.throughput;
  if (t) {
    parts.push(
      `## 1. Throughput (${n0(t.jobs)} no-op jobs; ${t.rounds} alternating rounds after a warm-up; medians, with the range over the rounds in brackets)`,
    );
    parts.push(
      'Ratios of (c) nestjs-jobs over each contender, taken within each round. CPU is CPU time per job (`process.cpuUsage` of the consumer process, `INFO cpu` of redis-server): a CPU ratio below 1 means nestjs-jobs spends less. (a0) and (c) each run on their documented defaults; (a) and (b) keep finished jobs like (c) does.',
    );
    parts.push(
      table(
        [
          'concurrency',
          'on defaults c/a0: Node CPU',
          'c/a0: jobs/s',
          'c/a0: Redis CPU',
          'equal retention c/a: Node CPU',
          'c/a: jobs/s',
          'c/b: Node CPU',
          'c/b: jobs/s',
        ],
        t.rows.map((r) => [
          r.concurrency,
          `**${withRange(r.cOverA0.nodeCpu)}**`,
          withRange(r.cOverA0.jobsPerSec),
          withRange(r.cOverA0.redisCpu),
          withRange(r.cOverA.nodeCpu),
          withRange(r.cOverA.jobsPerSec),
          withRange(r.cOverB.nodeCpu),
          withRange(r.cOverB.jobsPerSec),
        ]),
      ),
    );
    parts.push(
      table(
        [
          'concurrency',
          'contender',
          'jobs/s',
          'Node CPU µs/job',
          'Redis CPU µs/job',
          'Redis cmds/job',
        ],
        t.rows.flatMap((r) =>
          CONTENDERS.map(({ id, label }) => [
            r.concurrency,
            label,
            withRange(r.jobsPerSec[id], n0),
            withRange(r.cpuUsPerJob[id], n0),
            withRange(r.redisCpuUsPerJob[id], n0),
            r.redisCallsPerJob[id].toFixed(1),
          ]),
        ),
      ),
    );
  }
  const e = results.enqueue;
  if (e) {
    parts.push(
      `## 2. Enqueue cost (${n0(e.single.jobs)} jobs per contender and mode, validated payload class, ${e.rounds} alternating rounds after a warm-up; medians, with the range over the rounds in brackets)`,
    );
    const modes = [
      ['`queue.add` vs `JobService.enqueue`, one at a time', e.single],
      [`the same, ${e.concurrent.callers} concurrent callers`, e.concurrent],
      [`\`addBulk\` vs \`enqueueMany\`, batches of ${e.bulk.batch}`, e.bulk],
    ] as const;
    parts.push(
      table(
        [
          'mode',
          'nestjs-jobs / raw: jobs/s',
          'Node CPU',
          'no payload class / raw: jobs/s',
          'nestjs-jobs / raw with UUID ids: jobs/s',
        ],
        modes.map(([mode, m]) => [
          mode,
          withRange(m.ratio),
          withRange(m.cpuRatio),
          withRange(m.unvalidatedRatio),
          withRange(m.overRawWithIds),
        ]),
      ),
    );
    const names: Record<EnqueueContender, string> = {
      raw: 'raw bullmq',
      rawWithIds: 'raw bullmq, UUID jobIds',
      nestjsJobs: 'nestjs-jobs',
      unvalidated: 'nestjs-jobs, no payload class',
      rawCoalesced: 'raw bullmq, UUID jobIds, coalesced into addBulk',
    };
    parts.push(
      table(
        ['mode', 'contender', 'jobs/s', 'Node CPU µs/job', 'Redis CPU µs/job'],
        modes.flatMap(([mode, m]) =>
          Object.entries(names).flatMap(([id, name]) => {
            const f = m.figures[id as EnqueueContender];
            if (!f) return [];
            return [
              [
                mode,
                name,
                withRange(f.jobsPerSec, n0),
                withRange(f.nodeUsPerJob, ms1),
                withRange(f.redisUsPerJob, ms1),
              ],
            ];
          }),
        ),
      ),
    );
    if (e.concurrent.coalescedOverAdd)
      parts.push(
        `Coalescing, tried as a bench contender (bench/src/coalescing-producer.ts): ${e.concurrent.callers} callers whose concurrent adds go out as one \`addBulk\` per turn of the event loop reach ${withRange(e.concurrent.coalescedOverAdd)} of the jobs/s of the same callers each awaiting its own \`queue.add\` (both raw bullmq with UUID ids).`,
      );
    const v = e.validation;
    parts.push(
      `Validating one payload, CPU only (median of ${e.rounds} slices of ${n0(v.jobs / e.rounds)}): the compiled check ` +
        `${v.compiledUs.toFixed(1)} µs, class-transformer + class-validator ${v.classValidatorUs.toFixed(1)} µs ` +
        `(${(v.classValidatorUs / v.compiledUs).toFixed(1)}x).`,
    );
  }
  const i = results.isolation;
  if (i) {
    const o = i.options;
    parts.push(
      `## 3. Isolation (urgent ${o.urgentMs} ms jobs at ${o.urgentPerSec}/s for ${o.seconds} s; ${o.slowJobs} slow ${o.slowMs} ms jobs enqueued at the start; total concurrency 10)`,
    );
    parts.push(
      table(
        [
          'setup',
          'urgent p50 (ms)',
          'p95 (ms)',
          'p99 (ms)',
          'max (ms)',
          'slow backlog drained (s)',
        ],
        [i.idle, i.single, i.split].map((c) => [
          c.setup,
          ms1(c.p50),
          ms1(c.p95),
          ms1(c.p99),
          ms1(c.max),
          c.slowDrainMs === null ? '–' : (c.slowDrainMs / 1000).toFixed(1),
        ]),
      ),
    );
  }
  const mem = results.memory;
  if (mem) {
    parts.push(
      `## 4. Memory (one worker process, ${n0(mem.jobs)} validated jobs, after forced GC)`,
    );
    parts.push(
      table(
        ['jobs run', 'RSS (MB)', 'heap used (MB)'],
        mem.samples.map((s) => [n0(s.jobs), mb(s.rss), mb(s.heapUsed)]),
      ),
    );
  }
  const auto = results.autoscale;
  if (auto) {
    const o = auto.options;
    parts.push(
      `## 5. Autoscaling (a burst of ${n0(o.jobs)} jobs of ${o.jobMs} ms on one queue)`,
    );
    parts.push(
      table(
        ['concurrency', 'drain time (s)'],
        [
          [`fixed at ${o.min}`, (auto.fixedMs / 1000).toFixed(2)],
          [
            `autoscaling { min: ${o.min}, max: ${o.max} }`,
            (auto.autoscaledMs / 1000).toFixed(2),
          ],
          ['speed-up (fixed / autoscaling)', `${auto.speedup.toFixed(2)}x`],
        ],
      ),
    );
  }
  const scale = results.scaleout;
  if (scale) {
    parts.push(
      `## 6. Scale-out (4 queues x ${n0(scale.options.jobsPerQueue)} no-op jobs, concurrency 8 per queue per process; one Redis vs a 3-master Redis Cluster, all on this machine)`,
    );
    parts.push(
      table(
        [
          'worker processes',
          'single Redis (jobs/s)',
          'cluster (jobs/s)',
          'cluster / single',
          'vs 1 process: single',
          'vs 1 process: cluster',
        ],
        scale.options.processes.map((n) => {
          const rate = (kind: string) =>
            scale.cases.find((c) => c.redis === kind && c.processes === n)!
              .jobsPerSec;
          return [
            String(n),
            n0(rate('single')),
            n0(rate('cluster')),
            r3(scale.clusterRatio[n]),
            r3(scale.processRatio.single[n]),
            r3(scale.processRatio.cluster[n]),
          ];
        }),
      ),
    );
  }
  const pu = results.poolUrgent;
  if (pu) {
    const o = pu.options;
    parts.push(
      `## 7. Worker process pool: urgent jobs under a CPU-bound flood (urgent ${o.urgentMs} ms jobs at ${o.urgentPerSec}/s; ` +
        `flood of ${o.cpuJobs} jobs of ${o.cpuMs} ms busy CPU on \`default\`; ${o.rounds} alternating round(s), waits pooled over the rounds)`,
    );
    parts.push(
      table(
        [
          'setup',
          'idle: urgent jobs',
          'idle p50 (ms)',
          'idle p99 (ms)',
          'under the flood: urgent jobs',
          'p50 (ms)',
          'p99 (ms)',
          'max (ms)',
          'p99 loaded / idle (median of rounds)',
          'flood drained (s)',
        ],
        [pu.single, pu.pool].map((c) => [
          c.setup,
          c.idle.jobs,
          ms1(c.idle.p50),
          ms1(c.idle.p99),
          c.loaded.jobs,
          ms1(c.loaded.p50),
          ms1(c.loaded.p99),
          ms1(c.loaded.max),
          `${c.p99Ratio.toFixed(2)}x`,
          (c.floodDrainMs / 1000).toFixed(2),
        ]),
      ),
    );
    parts.push(
      `Urgent p99 under the flood, pool / one process (median of rounds): ${r3(pu.poolOverSingleP99)}. A wait is the job's startedAt − createdAt; ` +
        `per-round p99 (idle / loaded, ms): one process ${pu.single.rounds.map((r) => `${r.idleP99}/${r.loadedP99}`).join(', ')}; ` +
        `pool ${pu.pool.rounds.map((r) => `${r.idleP99}/${r.loadedP99}`).join(', ')}.`,
    );
  }
  const pc = results.poolCpu;
  if (pc) {
    const o = pc.options;
    parts.push(
      `## 8. Worker process pool: CPU-bound throughput (${n0(o.jobs)} jobs of ${o.jobMs} ms busy CPU, concurrency 1 per process, ${o.rounds} alternating round(s), median)`,
    );
    parts.push(
      table(
        [
          'processes',
          'drain time (s)',
          'jobs/s',
          `speed-up vs ${o.processes[0]} process (median of rounds)`,
          'every round: s (load average)',
        ],
        pc.cases.map((c) => [
          c.processes,
          (c.drainMs / 1000).toFixed(2),
          n0(c.jobsPerSec),
          `${c.speedup.toFixed(2)}x`,
          c.drainsMs
            .map(
              (d, i) => `${(d / 1000).toFixed(2)} (${c.loadavg[i].toFixed(1)})`,
            )
            .join(', '),
        ]),
      ),
    );
    const beyond = pc.cases.filter((c) => c.processes > pc.cpus);
    if (beyond.length) {
      parts.push(
        `This machine has ${pc.cpus} cores: ${beyond.map((c) => `${c.processes} processes`).join(' and ')} cannot run more CPU-bound jobs at once than ${pc.cpus}, ` +
          `so expect no gain beyond ${pc.cpus} processes from the cores themselves; when other work loads the machine (load average above ` +
          `${pc.cpus}), more processes can still finish sooner by taking a larger share of the contended cores from it.`,
      );
    }
  }
  if (results.latency) parts.push(...latencyTables(results.latency));
  if (results.queueCost) parts.push(...queueCostSection(results.queueCost));
  if (results.targets.length) {
    parts.push(
      results.mode === 'full'
        ? '## Targets'
        : '## Targets (quick run: shown, not assessed)',
    );
    parts.push(
      table(
        ['check', 'value', 'target', 'result'],
        results.targets.map((c) => [
          c.what,
          c.value,
          c.target,
          results.mode === 'full'
            ? c.pass
              ? 'PASS'
              : '**MISS**'
            : c.pass
              ? '(pass)'
              : '(miss)',
        ]),
      ),
    );
  }
  if (results.errors.length) {
    parts.push('## Errors');
    parts.push(
      results.errors.map((x) => `- ${x.scenario}: ${x.message}`).join('\n'),
    );
  }
  if (charts.length)
    parts.push(`Charts: ${charts.map((c) => `![${c}](${c})`).join(' ')}`);
  return parts.join('\n\n') + '\n';
}

function latencyTables(l: LatencyResult): string[] {
  const o = l.options;
  const label = (id: string) =>
    id === 'raw' ? '(a) raw bullmq' : '(c) nestjs-jobs';
  const phase = (p: string) =>
    p === 'idle'
      ? `idle (${o.idlePerSec}/s)`
      : `${o.loadShare * 100} % load (median ${n0(l.loadedPerSec)}/s)`;
  const ms = (s: Spread) =>
    `${s.median.toFixed(2)} [${s.min.toFixed(2)}–${s.max.toFixed(2)}]`;
  const idleRuns = l.runs.filter((r) => r.phase === 'idle');
  const behind = idleRuns.reduce((n, r) => n + (r.sentBehindOthers ?? 0), 0);
  const idleJobs = idleRuns.reduce((n, r) => n + r.jobs, 0);
  const fellBehind = l.runs.filter((r) => (r.drainMs ?? 0) > 50).length;
  const burstsOf = (id: string) =>
    l.bursts
      .filter((b) => b.contender === id)
      .map((b) => n0(b.jobsPerSec))
      .join(', ');
  const notes = [
    `Producer and consumer in the bench process, concurrency ${l.concurrency}, the same retention for both. ` +
      `Saturation, a burst of ${n0(o.burstJobs)} jobs sent as fast as they go, per round: ` +
      `raw bullmq ${burstsOf('raw')} jobs/s (median ${n0(l.saturation.raw)}), ` +
      `nestjs-jobs ${burstsOf('nestjsJobs')} (median ${n0(l.saturation.nestjsJobs)}); ` +
      `CPU time of this process per job in the bursts (median): raw ${l.cpuUsPerJob.raw.toFixed(0)} µs, nestjs-jobs ${l.cpuUsPerJob.nestjsJobs.toFixed(0)} µs. ` +
      `Each round's loaded phase sends ${o.loadShare * 100} % of that round's raw rate to both for ${o.loadedSeconds} s; ` +
      `in ${fellBehind} of ${l.runs.length / 2} loaded runs the consumer fell behind (its last job started more than 50 ms after the last send). ` +
      `Idle phase: ${behind} of ${n0(idleJobs)} jobs were sent while an earlier one had not started yet.`,
  ];
  if (l.rows.some((r) => r.minJobs < 1_000))
    notes.push(
      'Fewer than 1,000 jobs in a round: the p99.9 is indicative only.',
    );
  return [
    `## Enqueue-to-start latency (ms, median of ${o.rounds} alternating rounds [min–max over rounds])`,
    table(
      ['phase', 'contender', 'jobs per round (fewest)', 'p50', 'p99', 'p99.9'],
      l.rows.map((r) => [
        phase(r.phase),
        label(r.contender),
        n0(r.minJobs),
        ms(r.p50),
        ms(r.p99),
        ms(r.p999),
      ]),
    ),
    table(
      ['phase', 'c/a p50', 'c/a p99'],
      l.ratios.map((r) => [
        phase(r.phase),
        `${r3(r.p50.median)} [${r3(r.p50.min)}–${r3(r.p50.max)}]`,
        `${r3(r.p99.median)} [${r3(r.p99.min)}–${r3(r.p99.max)}]`,
      ]),
    ),
    notes.join(' '),
  ];
}

function queueCostSection(q: QueueCostResult): string[] {
  const o = q.options;
  const role = (c: QueueCostResult['cases'][number], name: string) =>
    c.connectionsByRole[name] ?? 0;
  const label = {
    worker: 'worker process',
    autoscaled: 'worker process, autoscaled 1-2',
    producer: 'producer only (`workers: false`)',
  };
  return [
    `## Cost per queue (idle queues, concurrency 1, one process each; commands counted over ${o.windowMs / 1000} s once connections held still for 1 s and ${o.settleMs / 1000} s more)`,
    table(
      [
        'process',
        'queues',
        'Redis connections',
        'producer / control / workers / blocking / other',
        'RSS (MB)',
        'idle Redis cmds/s',
        'by command (/s)',
      ],
      q.cases.map((c) => [
        label[c.mode],
        c.queues,
        c.connections,
        ['producer', 'control', 'workers', 'blocking', 'other']
          .map((r) => role(c, r))
          .join(' / '),
        mb(c.rss),
        c.idleCommandsPerSec.toFixed(1),
        Object.entries(c.idleByCommand)
          .map(([command, rate]) => `${command} ${rate.toFixed(2)}`)
          .join(', '),
      ]),
    ),
    'Connections = a + b × queues, from the smallest and largest run: ' +
      Object.entries(q.formula)
        .map(
          ([mode, f]) =>
            `${label[mode as keyof typeof label]}: ${f.a} + ${f.b} × queues${f.fitsAll ? '' : ' (not every run fits)'}`,
        )
        .join('; ') +
      '.',
  ];
}
