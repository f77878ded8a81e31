import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { startDemoApp, testRedisUrl, type DemoApp } from './support/demo-app';

const ROOT = path.resolve(__dirname, '..');

/** Runs `npm run worker`'s built entry point with arguments, as a real child process. */
function runWorker(args: string[], prefix: string) {
  const child = spawn(process.execPath, ['dist/demo/src/worker.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: testRedisUrl(), JOBS_PREFIX: prefix, JOBS_WORKERS: '', JOBS_CONCURRENCY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { child, exited, output: () => output };
}

jest.setTimeout(180_000);

describe('npm run worker (the demo as a worker-only process)', () => {
  let api: DemoApp;
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build:demo'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  });
  beforeEach(async () => {
    api = await startDemoApp({ workers: false, heartbeatIntervalMs: 200 });
  });
  afterEach(() => api.close());

  it('serves only the named queues, with --concurrency, and stops cleanly on SIGTERM', async () => {
    const worker = runWorker(['high_priority', '--concurrency', 'high_priority=3'], api.prefix);
    try {
      const live = await waitUntil(async () => {
        const w = await api.jobs.workers();
        return w.length === 1 ? w[0] : null;
      });
      expect(live).toMatchObject({ pid: worker.child.pid, queues: ['high_priority'], concurrency: { high_priority: 3 } });
      const backup = await api.http.post('/jobs/backup').send({ deviceId: 7 }).expect(202);
      expect(backup.body.queue).toBe('high_priority');
      await waitUntil(async () => (await api.jobs.get(backup.body.id))?.status === 'completed');
      // Nobody serves low_priority in this set-up, and the API says so.
      const discovery = await api.http.post('/jobs/discovery').send({ subnet: '10.0.0.0/24', seconds: 1 }).expect(202);
      expect(discovery.body.warning).toMatch(/low_priority/);
      expect(await api.jobs.queuesWithoutWorkers()).toEqual(['low_priority']);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    expect(worker.output()).toContain('Worker stopped: queue "high_priority"');
  });

  it('fails at once on an unknown queue, listing the configured queues', async () => {
    const worker = runWorker(['hgh_priority'], api.prefix);
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('names queue "hgh_priority", which is not configured. Configured queues: default, high_priority, low_priority.');
  });
});

async function waitUntil<T>(check: () => Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
