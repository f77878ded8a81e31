// `npm run demo:load`: a realistic mix of jobs against a running demo (npm start), over HTTP only.
//   - a burst of slow `discovery` scans at the start (low_priority, 2 slots: they queue up);
//   - a steady stream of urgent `backup`s (high_priority, 8 slots: they should never wait);
//   - a burst of CPU-bound `report`s at the start, then a steady stream (reports: worker processes
//     of their own, 1 to 2 with the backlog), some of which fail and are retried, a few for good.
// Urgent backups keep starting within milliseconds while reports flood their queue, since reports
// run in processes of their own (npm start runs the pool).
// A progress bar per queue (on stderr) follows GET /jobs/:id; at the end each queue's wait time
// (startedAt - createdAt) percentiles go to stdout. Bounded by --seconds and --max-jobs; it stops by itself.
'use strict';
const cliProgress = require('cli-progress');

const USAGE = `Usage: npm run demo:load -- [--url http://127.0.0.1:3000] [--seconds 20] [--max-jobs 1000] [--drain-seconds 30]
  --url            the demo's base URL (start it with: npm start)
  --seconds        how long to enqueue, 1..600 (default 20)
  --max-jobs       stop enqueueing after this many jobs, 1..100000 (default 1000)
  --drain-seconds  after enqueueing, how long to wait for unfinished jobs, 0..600 (default 30)`;

const BACKUP_EVERY_MS = 100;
const REPORT_EVERY_MS = 400;
const DISCOVERY_BURST = 8;
const REPORT_BURST = 12;
const POLL_EVERY_MS = 250;
const POLL_PARALLEL = 8;
// Report attempts that fail before one succeeds (the demo's report has 3 attempts): mostly fine,
// some retried once or twice, about one in eight failing for good.
const REPORT_FAILS = [0, 0, 0, 0, 1, 1, 2, 3];

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {
    url: 'http://127.0.0.1:3000',
    seconds: 20,
    maxJobs: 1000,
    drainSeconds: 30,
  };
  const numeric = {
    '--seconds': ['seconds', 1, 600],
    '--max-jobs': ['maxJobs', 1, 100_000],
    '--drain-seconds': ['drainSeconds', 0, 600],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') throw new UsageError('');
    if (flag !== '--url' && !numeric[flag])
      throw new UsageError(`Unknown argument "${arg}".`);
    const value = inline ?? argv[++i];
    if (flag === '--url') {
      let parsed;
      try {
        parsed = new URL(value ?? '');
      } catch {
        throw new UsageError(
          `--url must be an http(s) URL such as http://127.0.0.1:3000, got "${value ?? ''}".`,
        );
      }
      if (!/^https?:$/.test(parsed.protocol))
        throw new UsageError(`--url must be http or https, got "${value}".`);
      options.url = value.replace(/\/+$/, '');
    } else {
      const [key, min, max] = numeric[flag];
      if (
        value === undefined ||
        !/^\d+$/.test(value) ||
        Number(value) < min ||
        Number(value) > max
      ) {
        throw new UsageError(
          `${flag} must be a whole number from ${min} to ${max}, got "${value ?? ''}".`,
        );
      }
      options[key] = Number(value);
    }
  }
  return options;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted, p) {
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
}

function formatMs(ms) {
  if (ms === undefined) return 'n/a';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

class DemoClient {
  constructor(base) {
    this.base = base;
  }

  async request(method, path, body) {
    let res;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      const cause = error.cause?.code ?? error.cause?.message ?? error.message;
      throw new Error(
        `Cannot reach the demo at ${this.base} (${cause}). Start it with "npm start", or pass --url.`,
      );
    }
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async enqueue(name, data) {
    const res = await this.request('POST', `/jobs/${name}`, data);
    if (res.status !== 202 || !res.json?.id) {
      throw new Error(
        `POST /jobs/${name} answered ${res.status}: ${res.text.slice(0, 300)}`,
      );
    }
    return res.json;
  }

  /** The job's JobInfo, or undefined when it is gone (retention) or the demo had a hiccup. */
  async get(id) {
    const res = await this.request('GET', `/jobs/${encodeURIComponent(id)}`);
    return res.status === 200 ? res.json : undefined;
  }
}

class LoadRun {
  constructor(options) {
    this.options = options;
    this.client = new DemoClient(options.url);
    /** id -> { name, queue, info? } */
    this.jobs = new Map();
    this.queues = new Map();
    this.warned = new Set();
    this.enqueued = 0;
    this.bars = new cliProgress.MultiBar(
      {
        format:
          ' {queue} {bar} {value}/{total} done | {waiting} waiting, {active} active, {failed} failed, {retried} retried',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        // Without a terminal (CI, a pipe) print the bars every 2 s instead of redrawing them.
        noTTYOutput: true,
        notTTYSchedule: 2000,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  queue(name) {
    let q = this.queues.get(name);
    if (!q) {
      q = { name, bar: undefined };
      q.bar = this.bars.create(0, 0, this.payload(name));
      this.queues.set(name, q);
    }
    return q;
  }

  payload(queue) {
    const counts = {
      queue: queue.padEnd(14),
      waiting: 0,
      active: 0,
      failed: 0,
      retried: 0,
    };
    for (const job of this.jobs.values()) {
      if (job.queue !== queue) continue;
      const status = job.info?.status ?? 'waiting';
      if (status === 'waiting' || status === 'delayed') counts.waiting++;
      else if (status === 'active') counts.active++;
      else if (status === 'failed') counts.failed++;
      if ((job.info?.attemptsMade ?? 0) > 1) counts.retried++;
    }
    return counts;
  }

  async enqueue(name, data) {
    if (this.enqueued >= this.options.maxJobs) return;
    this.enqueued++;
    const ref = await this.client.enqueue(name, data);
    this.jobs.set(ref.id, { name, queue: ref.queue, info: undefined });
    if (ref.warning && !this.warned.has(ref.queue)) {
      this.warned.add(ref.queue);
      this.bars.log(`${ref.warning}\n`);
    }
    const q = this.queue(ref.queue);
    q.bar.setTotal(this.countIn(ref.queue));
  }

  countIn(queue, done = false) {
    let n = 0;
    for (const job of this.jobs.values()) {
      if (job.queue === queue && (!done || isFinished(job))) n++;
    }
    return n;
  }

  /** Enqueues the mix for `seconds` (or until --max-jobs); every timer is cleared when it ends. */
  async produce() {
    const { seconds, maxJobs } = this.options;
    const scanSeconds = Math.min(10, Math.max(1, Math.round(seconds / 5)));
    for (let i = 0; i < DISCOVERY_BURST; i++) {
      await this.enqueue('discovery', {
        subnet: `10.${20 + i}.0.0/24`,
        seconds: scanSeconds,
      });
    }
    for (let i = 0; i < REPORT_BURST && this.enqueued < maxJobs; i++) {
      await this.enqueue('report', {
        kind: pick(['inventory', 'ip-usage', 'cabling']),
        failAttempts: 0,
      });
    }
    const end = Date.now() + seconds * 1000;
    let nextBackup = Date.now();
    let nextReport = Date.now();
    let device = 1;
    while (Date.now() < end && this.enqueued < maxJobs) {
      const now = Date.now();
      if (now >= nextBackup) {
        nextBackup += BACKUP_EVERY_MS;
        await this.enqueue('backup', {
          deviceId: device++,
          reason: 'before the change window',
        });
      }
      if (now >= nextReport && this.enqueued < maxJobs) {
        nextReport += REPORT_EVERY_MS;
        await this.enqueue('report', {
          kind: pick(['inventory', 'ip-usage', 'cabling']),
          failAttempts: pick(REPORT_FAILS),
        });
      }
      await sleep(Math.max(0, Math.min(nextBackup, nextReport) - Date.now()));
    }
  }

  async pollOnce() {
    const pending = [...this.jobs.entries()].filter(
      ([, job]) => !isFinished(job),
    );
    for (let i = 0; i < pending.length; i += POLL_PARALLEL) {
      await Promise.all(
        pending.slice(i, i + POLL_PARALLEL).map(async ([id, job]) => {
          const info = await this.client.get(id);
          if (info) job.info = info;
          else if (job.info === undefined) job.gone = (job.gone ?? 0) + 1;
        }),
      );
    }
    for (const q of this.queues.values()) {
      q.bar.update(this.countIn(q.name, true), this.payload(q.name));
    }
    return pending.length;
  }

  async run() {
    let producing = true;
    let failure;
    const producer = this.produce()
      .catch((error) => {
        failure = error;
      })
      .finally(() => {
        producing = false;
      });
    // Poll while enqueueing, then until every job has finished or the drain deadline passes.
    let drainEnd;
    let pending = 0;
    for (;;) {
      await sleep(POLL_EVERY_MS);
      if (failure) throw failure;
      const wasProducing = producing;
      pending = await this.pollOnce();
      if (wasProducing) continue;
      drainEnd ??= Date.now() + this.options.drainSeconds * 1000;
      if (pending === 0 || Date.now() >= drainEnd) break;
    }
    await producer;
    this.bars.stop();
    return pending;
  }

  report(unfinished) {
    const lines = [];
    lines.push('');
    lines.push(`Enqueued ${this.enqueued} jobs against ${this.options.url}.`);
    lines.push('Wait time (startedAt - createdAt) per queue:');
    const header = [
      'queue',
      'jobs',
      'completed',
      'failed',
      'retried',
      'unfinished',
      'p50',
      'p95',
      'p99',
      'max',
    ];
    const rows = [];
    for (const q of [...this.queues.keys()].sort()) {
      const jobs = [...this.jobs.values()].filter((job) => job.queue === q);
      const waits = jobs
        .filter((job) => job.info?.startedAt && job.info?.createdAt)
        .map(
          (job) =>
            Date.parse(job.info.startedAt) - Date.parse(job.info.createdAt),
        )
        .sort((a, b) => a - b);
      const count = (status) =>
        jobs.filter((job) => job.info?.status === status).length;
      rows.push([
        q,
        String(jobs.length),
        String(count('completed')),
        String(count('failed')),
        String(jobs.filter((job) => (job.info?.attemptsMade ?? 0) > 1).length),
        String(jobs.filter((job) => !isFinished(job)).length),
        formatMs(waits.length ? percentile(waits, 50) : undefined),
        formatMs(waits.length ? percentile(waits, 95) : undefined),
        formatMs(waits.length ? percentile(waits, 99) : undefined),
        formatMs(waits.length ? waits[waits.length - 1] : undefined),
      ]);
    }
    const widths = header.map((h, i) =>
      Math.max(h.length, ...rows.map((r) => r[i].length)),
    );
    const line = (cells) =>
      cells
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ');
    lines.push(line(header));
    for (const row of rows) lines.push(line(row));
    lines.push(
      'A retried job starts again on each attempt, so its wait includes its backoff.',
    );
    if (unfinished > 0) {
      lines.push(
        `${unfinished} jobs had not finished ${this.options.drainSeconds} s after the last enqueue (raise --drain-seconds, or check that workers run).`,
      );
    }
    return lines.join('\n');
  }
}

function isFinished(job) {
  // A job no longer found (retention removed it) counts as finished after a few polls.
  return (
    job.info?.status === 'completed' ||
    job.info?.status === 'failed' ||
    (job.gone ?? 0) >= 3
  );
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) console.error(error.message);
    console.error(USAGE);
    process.exitCode = error.message ? 2 : 0;
    return;
  }
  const run = new LoadRun(options);
  console.error(
    `Load on ${options.url} for ${options.seconds} s (at most ${options.maxJobs} jobs): discovery burst, backups every ${BACKUP_EVERY_MS} ms, reports every ${REPORT_EVERY_MS} ms.`,
  );
  try {
    const unfinished = await run.run();
    console.log(run.report(unfinished));
  } catch (error) {
    run.bars.stop();
    console.error(error.message);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
