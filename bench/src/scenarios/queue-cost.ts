import { fork } from 'node:child_process';
import * as path from 'node:path';
import Redis from 'ioredis';
import { commandStats, log, sleep, type PrivateRedis } from '../support';
import { mb } from './memory';
import type { QueueCostMessage, QueueCostMode } from './queue-cost-child';

export interface QueueCostOptions {
  queues: number[];
  /** Idle time after the child's connections stopped changing, before measuring. */
  settleMs: number;
  /** The window over which idle Redis commands are counted. */
  windowMs: number;
}

export interface QueueCostCase {
  mode: QueueCostMode;
  queues: number;
  /** Redis connections the child holds. */
  connections: number;
  /** The same, by role: producer, control, workers (ours), blocking (BullMQ's per Worker), other. */
  connectionsByRole: Record<string, number>;
  rss: number;
  heapUsed: number;
  /** Redis commands per second while the child is idle, Lua scripts' inner commands included. */
  idleCommandsPerSec: number;
  /** The same, by command (INFO commandstats names), largest first. */
  idleByCommand: Record<string, number>;
}

export interface QueueCostResult {
  options: QueueCostOptions;
  cases: QueueCostCase[];
  /** connections = a + b × queues, fitted on the smallest and largest case of each mode. */
  formula: Partial<
    Record<QueueCostMode, { a: number; b: number; fitsAll: boolean }>
  >;
}

const MODES: QueueCostMode[] = ['worker', 'autoscaled', 'producer'];
const BOOT_TIMEOUT_MS = 120_000;
const STABLE_MS = 1_000;

/**
 * Issue 15's cost per queue: for each mode and queue count, a process of its own (queue-cost-child.ts)
 * boots JobsModule with that many idle queues; once its connections stopped changing and `settleMs`
 * passed, the bench counts its Redis connections (CLIENT LIST, those not there before it started),
 * Redis commands per second over `windowMs` (INFO commandstats deltas, less the bench's own INFO)
 * and its RSS.
 */
export async function runQueueCost(
  redis: PrivateRedis,
  options: QueueCostOptions,
): Promise<QueueCostResult> {
  const admin = new Redis(redis.url);
  const cases: QueueCostCase[] = [];
  try {
    for (const queues of options.queues) {
      for (const mode of MODES) {
        await admin.flushall();
        const result = await measure(admin, redis, mode, queues, options);
        log(
          `  ${mode}, ${queues} queue(s): ${result.connections} connections ${JSON.stringify(result.connectionsByRole)}, ` +
            `RSS ${mb(result.rss)} MB, ${result.idleCommandsPerSec.toFixed(1)} idle cmds/s ${JSON.stringify(result.idleByCommand)}`,
        );
        cases.push(result);
      }
    }
  } finally {
    await admin.flushall();
    admin.disconnect();
  }
  return { options, cases, formula: fitFormula(cases) };
}

async function measure(
  admin: Redis,
  redis: PrivateRedis,
  mode: QueueCostMode,
  queues: number,
  o: QueueCostOptions,
): Promise<QueueCostCase> {
  const prefix = `bench-cost-${mode}-${queues}`;
  const before = new Set((await clients(admin)).map((c) => c.id));
  const child = fork(path.join(__dirname, 'queue-cost-child.js'), [], {
    execArgv: ['--expose-gc'],
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      BENCH_PREFIX: prefix,
      BENCH_QUEUES: String(queues),
      BENCH_MODE: mode,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const next = (type: QueueCostMessage['type']) =>
    new Promise<QueueCostMessage>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bench: no ${type} from the child`)),
        BOOT_TIMEOUT_MS,
      );
      child.on('message', (m: QueueCostMessage) => {
        if (m.type !== type) return;
        clearTimeout(timer);
        resolve(m);
      });
      void exited.then((code) =>
        reject(new Error(`bench: queue-cost child exited (code ${code})`)),
      );
    });
  const childClients = async () =>
    (await clients(admin)).filter((c) => !before.has(c.id));
  try {
    await next('ready');
    // Workers connect after start-up: wait until the count holds still, then idle a while more.
    let count = -1;
    let since = Date.now();
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    while (Date.now() - since < STABLE_MS) {
      if (Date.now() > deadline)
        throw new Error('bench: the child never settled');
      const now = (await childClients()).length;
      if (now !== count) [count, since] = [now, Date.now()];
      await sleep(100);
    }
    await sleep(o.settleMs);
    const connections = await childClients();
    const started = Date.now();
    const first = await commandStats(admin);
    await sleep(o.windowMs);
    const last = await commandStats(admin);
    const seconds = (Date.now() - started) / 1000;
    const memory = next('memory');
    child.send({ type: 'memory' });
    const { rss, heapUsed } = (await memory) as Extract<
      QueueCostMessage,
      { type: 'memory' }
    >;
    const perSec: Record<string, number> = {};
    for (const [command, calls] of Object.entries(last)) {
      // The first INFO is counted in the second one's figures.
      const delta =
        calls - (first[command] ?? 0) - (command === 'info' ? 1 : 0);
      if (delta > 0) perSec[command] = delta / seconds;
    }
    const byRole: Record<string, number> = {};
    for (const c of connections) {
      const role = roleOf(c.name, prefix);
      byRole[role] = (byRole[role] ?? 0) + 1;
    }
    return {
      mode,
      queues,
      connections: connections.length,
      connectionsByRole: byRole,
      rss,
      heapUsed,
      idleCommandsPerSec: Object.values(perSec).reduce((a, b) => a + b, 0),
      idleByCommand: Object.fromEntries(
        Object.entries(perSec)
          .sort(([, a], [, b]) => b - a)
          .map(([command, rate]) => [command, Math.round(rate * 100) / 100]),
      ),
    };
  } finally {
    if (child.connected) child.send({ type: 'exit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Our connections are named `nestjs-jobs:*`; BullMQ names each Worker's blocking one `<prefix>:<queue in base64>`. */
function roleOf(name: string, prefix: string): string {
  if (name === 'nestjs-jobs:producer') return 'producer';
  if (name === 'nestjs-jobs:control') return 'control';
  if (name.startsWith('nestjs-jobs:worker')) return 'workers';
  if (name.startsWith(`${prefix}:`)) return 'blocking';
  return 'other';
}

async function clients(admin: Redis): Promise<{ id: string; name: string }[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => ({
      id: /\bid=(\d+)/.exec(line)![1],
      name: /\bname=(\S*)/.exec(line)?.[1] ?? '',
    }));
}

function fitFormula(cases: QueueCostCase[]): QueueCostResult['formula'] {
  const formula: QueueCostResult['formula'] = {};
  for (const mode of MODES) {
    const own = cases
      .filter((c) => c.mode === mode)
      .sort((x, y) => x.queues - y.queues);
    if (own.length < 2) continue;
    const [lo, hi] = [own[0], own[own.length - 1]];
    const b = (hi.connections - lo.connections) / (hi.queues - lo.queues);
    const a = lo.connections - b * lo.queues;
    formula[mode] = {
      a,
      b,
      fitsAll: own.every((c) => c.connections === a + b * c.queues),
    };
  }
  return formula;
}
