import path from 'node:path';
import { startDemoApp, type DemoApp } from './support/demo-app';
import { spawnCaptured } from '../libs/jobs/test/support/processes';

// `npm run demo:load` (scripts/demo-load.js) against the demo started here on a random port.
const SCRIPT = path.join(__dirname, '..', 'scripts', 'demo-load.js');
// The queues the load uses; the demo's `default` is for jobs no handler routes, and none of the mix is.
const QUEUES = ['high_priority', 'low_priority', 'reports'];
const DURATION = /^(\d+ ms|\d+\.\d\d s)$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the load driver; kills it (and fails) if it has not exited after `limitMs`. */
async function runLoad(args: string[], limitMs = 60_000): Promise<Run> {
  const load = spawnCaptured([SCRIPT, ...args], { killAfterMs: limitMs });
  const code = await load.closed;
  if (load.child.signalCode === 'SIGKILL')
    throw new Error(
      `demo-load did not stop within ${limitMs} ms. stderr: ${load.stderr().slice(-1000)}`,
    );
  return { code, stdout: load.stdout(), stderr: load.stderr() };
}

describe('npm run demo:load', () => {
  let t: DemoApp;
  let base: string;

  beforeAll(async () => {
    t = await startDemoApp();
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });

  afterAll(async () => {
    await t?.close();
  }, 60_000);

  it('enqueues the mix for --seconds, then prints wait-time percentiles for every queue and exits 0', async () => {
    const run = await runLoad([
      '--url',
      base,
      '--seconds',
      '3',
      '--drain-seconds',
      '30',
    ]);
    expect({
      code: run.code,
      stderr: run.code === 0 ? '' : run.stderr,
    }).toEqual({ code: 0, stderr: '' });

    const lines = run.stdout.split('\n');
    const header = lines.findIndex((line) =>
      /^queue\s+jobs\s+completed\s+failed\s+retried\s+unfinished\s+p50\s+p95\s+p99\s+max$/.test(
        line,
      ),
    );
    expect(header).toBeGreaterThanOrEqual(0);
    const rows = new Map(
      lines
        .slice(header + 1)
        .map((line) => line.split(/\s{2,}/))
        .filter((cells) => cells.length === 10)
        .map((cells) => [cells[0], cells]),
    );
    expect([...rows.keys()].sort()).toEqual(QUEUES);
    for (const queue of QUEUES) {
      const [, jobs, , , , unfinished, p50, p95, p99] = rows.get(queue)!;
      expect(Number(jobs)).toBeGreaterThan(0);
      expect(Number(unfinished)).toBe(0);
      for (const p of [p50, p95, p99]) expect(p).toMatch(DURATION);
    }
    // The start-up burst: 8 discoveries, and nothing else goes to low_priority.
    expect(Number(rows.get('low_priority')![1])).toBe(8);

    // Everything it says it enqueued is in Redis (the demo keeps up to 1,000 finished jobs per queue).
    const enqueued = Number(/Enqueued (\d+) jobs/.exec(run.stdout)?.[1]);
    expect(enqueued).toBeGreaterThan(8);
    expect(await t.countJobs()).toBe(enqueued);
    // Without a terminal the bars are still printed, every 2 s, on stderr.
    expect(run.stderr).toMatch(/high_priority .* done/);
  }, 90_000);

  it('says what is wrong with a bad argument (exit 2) or an unreachable demo (exit 1), enqueueing nothing', async () => {
    const before = await t.countJobs();
    const bad = await runLoad(['--url', base, '--seconds', 'ten']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--seconds must be a whole number from 1 to 600, got "ten".',
    );
    const unknown = await runLoad(['--ur', base]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown argument "--ur".');

    // A port nobody listens on: the address of a server that was just closed.
    const net = await import('node:net');
    const server = net.createServer();
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const down = await runLoad([
      '--url',
      `http://127.0.0.1:${port}`,
      '--seconds',
      '1',
    ]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(
      `Cannot reach the demo at http://127.0.0.1:${port}`,
    );
    expect(down.stderr).toContain('npm start');
    expect(await t.countJobs()).toBe(before);
  }, 60_000);
});
