import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { BenchResults } from './report';
import { CONTENDERS } from './contenders';

const label = (id: string) => CONTENDERS.find((c) => c.id === id)?.label ?? id;

/** Renders the charts of `results` to SVG files in `dir`; returns their file names. */
export async function renderCharts(
  results: BenchResults,
  dir: string,
): Promise<string[]> {
  const charts: Record<string, TopLevelSpec> = {};
  if (results.throughput) {
    charts['throughput.svg'] = {
      title: `Throughput: ${results.throughput.jobs.toLocaleString('en-US')} no-op jobs (median of ${results.throughput.rounds})`,
      data: {
        values: results.throughput.rows.flatMap((row) =>
          CONTENDERS.map(({ id }) => ({
            concurrency: `concurrency ${row.concurrency}`,
            contender: label(id),
            jobsPerSec: Math.round(row.jobsPerSec[id].median),
          })),
        ),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'concurrency', type: 'nominal', title: null, sort: null },
        xOffset: { field: 'contender', type: 'nominal', sort: null },
        y: { field: 'jobsPerSec', type: 'quantitative', title: 'jobs / s' },
        color: {
          field: 'contender',
          type: 'nominal',
          sort: null,
          legend: { orient: 'bottom', title: null, labelLimit: 0 },
        },
        tooltip: [{ field: 'jobsPerSec', type: 'quantitative' }],
      },
      width: 480,
      height: 260,
    };
  }
  if (results.isolation) {
    const cases = [
      results.isolation.idle,
      results.isolation.single,
      results.isolation.split,
    ];
    charts['isolation.svg'] = {
      title: 'Urgent job wait (enqueued → started) under a flood of slow jobs',
      data: {
        values: cases.flatMap((c) =>
          (['p50', 'p95', 'p99'] as const).map((p) => ({
            setup: c.setup,
            percentile: p,
            ms: Math.max(0.1, Number(c[p].toFixed(2))),
          })),
        ),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'percentile', type: 'nominal', title: null },
        xOffset: { field: 'setup', type: 'nominal', sort: null },
        // Log scale: (i) is seconds, idle and (ii) are milliseconds.
        y: {
          field: 'ms',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'wait (ms, log scale)',
        },
        color: {
          field: 'setup',
          type: 'nominal',
          sort: null,
          legend: { orient: 'bottom', title: null, columns: 1, labelLimit: 0 },
        },
      },
      width: 480,
      height: 260,
    };
    charts['isolation-timeline.svg'] = {
      title: 'Each urgent job’s wait while the slow backlog drains',
      data: {
        values: [
          results.isolation.single,
          results.isolation.split,
          results.isolation.idle,
        ].flatMap((c) =>
          c.waits.map((ms, i) => ({
            setup: c.setup,
            second: Number(
              (i / results.isolation!.options.urgentPerSec).toFixed(2),
            ),
            ms: Math.max(0.1, Number(ms.toFixed(2))),
          })),
        ),
      },
      mark: { type: 'line', strokeWidth: 1, interpolate: 'step-after' },
      encoding: {
        x: { field: 'second', type: 'quantitative', title: 'arrival (s)' },
        y: {
          field: 'ms',
          type: 'quantitative',
          scale: { type: 'log' },
          title: 'wait (ms, log scale)',
        },
        color: {
          field: 'setup',
          type: 'nominal',
          sort: null,
          legend: { orient: 'bottom', title: null, columns: 1, labelLimit: 0 },
        },
      },
      width: 480,
      height: 260,
    };
  }
  if (results.enqueue) {
    const e = results.enqueue;
    charts['enqueue.svg'] = {
      title: `Enqueue cost: ${e.single.jobs.toLocaleString('en-US')} jobs with a validated payload`,
      data: {
        values: (
          [
            ['one at a time', e.single],
            [`${e.concurrent.callers} concurrent callers`, e.concurrent],
            [`batches of ${e.bulk.batch}`, e.bulk],
          ] as const
        ).flatMap(([mode, m]) =>
          (
            [
              ['raw', 'queue.add / addBulk (raw)'],
              ['rawWithIds', 'raw with UUID jobIds'],
              ['nestjsJobs', 'JobService.enqueue / enqueueMany'],
              ['unvalidated', 'same, no payload class'],
            ] as const
          ).map(([id, contender]) => ({
            mode,
            contender,
            jobsPerSec: Math.round(m.figures[id].jobsPerSec.median),
          })),
        ),
      },
      mark: 'bar',
      encoding: {
        x: { field: 'mode', type: 'nominal', title: null, sort: null },
        xOffset: { field: 'contender', type: 'nominal', sort: null },
        y: { field: 'jobsPerSec', type: 'quantitative', title: 'jobs / s' },
        color: {
          field: 'contender',
          type: 'nominal',
          sort: null,
          legend: { orient: 'bottom', title: null, labelLimit: 0 },
        },
      },
      width: 360,
      height: 240,
    };
  }
  if (results.memory) {
    charts['memory.svg'] = {
      title: `Worker process memory over ${results.memory.jobs.toLocaleString('en-US')} jobs (after GC)`,
      data: {
        values: results.memory.samples.flatMap((s) => [
          {
            jobs: s.jobs,
            measure: 'RSS',
            mb: Number((s.rss / 1048576).toFixed(1)),
          },
          {
            jobs: s.jobs,
            measure: 'heap used',
            mb: Number((s.heapUsed / 1048576).toFixed(1)),
          },
        ]),
      },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'jobs', type: 'quantitative', title: 'jobs run' },
        y: {
          field: 'mb',
          type: 'quantitative',
          title: 'MB',
          scale: { zero: true },
        },
        color: {
          field: 'measure',
          type: 'nominal',
          legend: { orient: 'bottom', title: null, labelLimit: 0 },
        },
      },
      width: 480,
      height: 220,
    };
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, spec] of Object.entries(charts)) {
    const view = new vega.View(
      vega.parse(vl.compile({ background: 'white', ...spec }).spec),
      { renderer: 'none' },
    );
    fs.writeFileSync(path.join(dir, file), await view.toSVG());
    view.finalize();
  }
  return Object.keys(charts);
}
