import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DEMO_JOBS_OPTIONS } from '../src/app.module';
import {
  enqueued,
  startDemoApp,
  testRedisUrl,
  type DemoApp,
} from './support/demo-app';
import { waitFor } from '../libs/jobs/test/support/test-app';
import { spawnCaptured } from '../libs/jobs/test/support/processes';

const ROOT = path.resolve(__dirname, '..');

/** Runs `npm run worker`'s built entry point with arguments, as a real child process. */
function runWorker(args: string[], prefix: string) {
  return spawnCaptured(['dist/demo/src/worker.js', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: testRedisUrl(),
      JOBS_PREFIX: prefix,
      JOBS_WORKERS: '',
      JOBS_CONCURRENCY: '',
    },
    killAfterMs: 60_000,
  });
}

jest.setTimeout(180_000);

describe('npm run worker (the demo as a worker-only process)', () => {
  let api: DemoApp;
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build:demo'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 120_000,
    });
  });
  beforeEach(async () => {
    api = await startDemoApp({ workers: false, heartbeatIntervalMs: 200 });
  });
  afterEach(() => api.close());

  it('serves only the named queues, with --concurrency, and stops cleanly on SIGTERM', async () => {
    const worker = runWorker(
      ['high_priority', '--concurrency', 'high_priority=3'],
      api.prefix,
    );
    try {
      const live = await waitUntil(async () => {
        const w = await api.jobs.workers();
        return w.length === 1 ? w[0] : null;
      });
      expect(live).toMatchObject({
        pid: worker.child.pid,
        queues: ['high_priority'],
        concurrency: { high_priority: 3 },
      });
      const backup = await api.http
        .post('/jobs/backup')
        .send({ deviceId: 7 })
        .expect(202);
      expect(enqueued(backup).queue).toBe('high_priority');
      await waitUntil(
        async () =>
          (await api.jobs.get(enqueued(backup).id))?.status === 'completed',
      );
      // Nobody serves low_priority in this set-up, and the API says so.
      const discovery = await api.http
        .post('/jobs/discovery')
        .send({ subnet: '10.0.0.0/24', seconds: 1 })
        .expect(202);
      expect(enqueued(discovery).warning).toMatch(/low_priority/);
      expect(await api.jobs.queuesWithoutWorkers()).toEqual(['low_priority']);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    expect(worker.output()).toContain('Worker stopped: queue "high_priority"');
  });

  it('without queue names runs the pool: reports in a process of its own, the other queues in another, all stopped by one SIGTERM', async () => {
    // The demo's own heartbeat interval (5 s), so the reader does not count its processes as gone.
    const reader = await startDemoApp({
      workers: false,
      queues: DEMO_JOBS_OPTIONS.queues,
    });
    const pool = runWorker([], reader.prefix);
    try {
      const live = await waitUntil(async () => {
        const w = await reader.jobs.workers();
        return w.length === 2 ? w : null;
      });
      expect(live.map((w) => w.queues.join()).sort()).toEqual([
        'default,high_priority,low_priority',
        'reports',
      ]);
      expect(live.map((w) => w.pool)).toEqual([
        expect.stringContaining(`:${pool.child.pid}:`),
        expect.stringContaining(`:${pool.child.pid}:`),
      ]);
      expect(live.map((w) => w.pid)).not.toContain(pool.child.pid);
      const report = await reader.http
        .post('/jobs/report')
        .send({ kind: 'inventory', failAttempts: 0 })
        .expect(202);
      expect(report.body).toMatchObject({ queue: 'reports' });
      expect(enqueued(report).warning).toBeUndefined();
      const done = await waitUntil(async () => {
        const info = await reader.jobs.get(enqueued(report).id);
        return info?.status === 'completed' ? info : null;
      });
      expect(done.result).toMatchObject({ kind: 'inventory', rows: 8 });
      const [stats] = await reader.jobs.stats('reports');
      expect(stats.pool).toEqual({ min: 1, max: 2, processes: 1 });
      pool.child.kill('SIGTERM');
      await pool.exited;
      const alive = (pid: number) => {
        try {
          return process.kill(pid, 0);
        } catch {
          return false;
        }
      };
      expect(live.map((w) => alive(w.pid))).toEqual([false, false]);
      expect(pool.output()).toContain('stopped: every process has exited');
    } finally {
      if (pool.child.exitCode === null && pool.child.signalCode === null)
        pool.child.kill('SIGKILL');
      await reader.close();
    }
  });

  it('fails at once on an unknown queue, listing the configured queues', async () => {
    const worker = runWorker(['hgh_priority'], api.prefix);
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain(
      'names queue "hgh_priority", which is not configured. Configured queues: default, high_priority, low_priority, reports.',
    );
  });
});

const waitUntil = <T>(check: () => Promise<T>, ms = 30_000) =>
  waitFor(check, ms);
