import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURE = path.join(__dirname, '../fixtures/worker-process.ts');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the process printed READY; rejects if it exits first. */
  ready: Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  output(): string;
}

/** Starts a fixture worker app (by default fixtures/worker-process.ts) as a real child process (ts-node, no type check). */
export function spawnWorker(args: string[], env: Record<string, string>, fixture = FIXTURE): WorkerProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', fixture, ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      if (out.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before it was ready:\n${out}`));
    });
  });
  ready.catch(() => undefined);
  return { child, pid: child.pid!, ready, exited, output: () => out };
}

/** Kills a worker process and waits until it is gone. */
export async function kill(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  return worker.exited;
}
