import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURE = path.join(__dirname, '../fixtures/worker-process.ts');

/** A child process whose output is kept, for tests that start real processes. */
export interface CapturedProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (null when killed by a signal), as soon as the process exits. */
  exited: Promise<number | null>;
  /** Resolves with the exit code once its output streams have closed too: all of its output is read. */
  closed: Promise<number | null>;
  /** stdout and stderr as they came. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
}

/**
 * Spawns `node <args>` (from the workspace root unless `cwd` says otherwise) and keeps its output.
 * `killAfterMs` kills it if it is still running then, so no test can leave it behind.
 */
export function spawnCaptured(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {},
): CapturedProcess {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => ((out += d), (all += d)));
  child.stderr.on('data', (d) => ((err += d), (all += d)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  if (options.killAfterMs !== undefined) {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    void exited.then(() => clearTimeout(timer));
  }
  return {
    child,
    pid: child.pid!,
    exited,
    closed,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
  };
}

export interface WorkerProcess extends CapturedProcess {
  /** Resolves once the process printed READY; rejects if it exits first. */
  ready: Promise<void>;
}

/** Starts a fixture worker app (by default fixtures/worker-process.ts) as a real child process (ts-node, no type check). */
export function spawnWorker(
  args: string[],
  env: Record<string, string>,
  fixture = FIXTURE,
): WorkerProcess {
  const captured = spawnCaptured(
    [
      '-r',
      'ts-node/register',
      '-r',
      'tsconfig-paths/register',
      fixture,
      ...args,
    ],
    {
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
        ...env,
      },
    },
  );
  const { child, exited, output } = captured;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`worker did not start within 60 s:\n${output()}`)),
      60_000,
    );
    child.stdout!.on('data', () => {
      if (output().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `worker exited with ${code} before it was ready:\n${output()}`,
        ),
      );
    });
  });
  ready.catch(() => undefined);
  return { ...captured, ready };
}

/** Kills a worker process and waits until it is gone. */
export async function kill(
  worker: WorkerProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<number | null> {
  if (worker.child.exitCode === null && worker.child.signalCode === null)
    worker.child.kill(signal);
  return worker.exited;
}
