import { fork, type ChildProcess } from 'node:child_process';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { JOBS_CONFIG } from '../jobs.constants';
import { LogLines, Messages } from '../jobs.messages';
import { JobsConfigurationError } from '../errors/jobs-configuration.error';
import { JobsQueueRegistry } from '../queues/jobs-queue.registry';
import { WorkerRegistry } from '../workers/worker-registry';
import { readBacklogs } from '../monitoring/queue-stats';
import type { JobsConfig, ResolvedProcesses } from '../config/jobs-config';
import { isPoolChildMessage, POOL_ARGUMENT } from './pool-child';
import { decideProcesses, restartDelayMs } from './process-scaling';

/** A process that dies this many times in a row before it is ready means a crash loop: the pool stops. */
const BOOT_FAILURES_TO_STOP = 5;
/** A process not ready after this long is killed, and counts as dying at boot. */
const BOOT_TIMEOUT_MS = 60_000;
/** A process that served this long resets its group's restart backoff when it dies. */
const STABLE_MS = 30_000;
/** How often pools that scale read their queue's backlog. */
const SCALE_TICK_MS = 1_000;
/** After `shutdownGraceMs` plus this, processes that still run on shutdown are killed. */
const STOP_MARGIN_MS = 10_000;
/** How much of a process's stderr is kept, to report its last error. */
const STDERR_TAIL_CHARS = 2_000;

/** One process of the pool. */
interface PoolProcess {
  child: ChildProcess;
  group: PoolGroup;
  startedAt: number;
  ready: boolean;
  /** Sent SIGTERM by a scale-down or shutdown: its exit is expected. */
  retiring: boolean;
  bootTimer: NodeJS.Timeout;
  lastError: string;
  exited: Promise<void>;
}

/** Processes serving the same queues: one queue with `processes`, or the other queues together. */
interface PoolGroup {
  label: string;
  queues: string[];
  bounds: ResolvedProcesses;
  processes: Set<PoolProcess>;
  restartsPending: number;
  deathsInARow: number;
  bootFailuresInARow: number;
  idleSince?: number;
}

/**
 * The pool's supervisor, active only in a worker entry started without queue names when some
 * queues have `processes` (see `bootstrapWorker`). It forks the entry file once per process of the
 * plan, each serving its queues with full dependency injection, replaces those that die (with
 * backoff), stops the pool on a crash loop, scales `{ min, max }` queues with their backlog, and on
 * shutdown sends SIGTERM to every process and waits until all have drained.
 */
@Injectable()
export class ProcessPoolSupervisor
  implements OnApplicationBootstrap, OnModuleDestroy
{
  private readonly logger = new Logger('JobsPool');
  private readonly groups: PoolGroup[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly fatalHandlers: Array<(message: string) => unknown> = [];
  private scaler?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(JOBS_CONFIG) private readonly config: JobsConfig,
    private readonly queues: JobsQueueRegistry,
    private readonly registry: WorkerRegistry,
  ) {}

  /** The supervisor's id, which its processes report as their `pool`. */
  get id(): string {
    return this.registry.id;
  }

  /** Called once when the pool stops for good (a crash loop), with the reason. */
  onFatal(handler: (message: string) => unknown): void {
    this.fatalHandlers.push(handler);
  }

  /** Live processes per group, for logs and tests. */
  processes(): Array<{ queues: string[]; pid: number; ready: boolean }> {
    return this.groups.flatMap((g) =>
      [...g.processes]
        .filter((p) => !p.retiring)
        .map((p) => ({ queues: g.queues, pid: p.child.pid!, ready: p.ready })),
    );
  }

  onApplicationBootstrap(): void {
    const plan = this.config.pool;
    if (!plan) return;
    if (!process.argv[1])
      throw new JobsConfigurationError(Messages.poolEntryMissing());
    for (const queue of plan.pooled)
      this.groups.push(
        this.group(`queue "${queue.name}"`, [queue.name], queue.processes!),
      );
    if (plan.shared.length > 0) {
      this.groups.push(
        this.group(
          `queues ${plan.shared.map((q) => `"${q}"`).join(', ')}`,
          plan.shared,
          { min: 1, max: 1, scaleUpAfterMs: 0, scaleDownAfterMs: 0 },
        ),
      );
    }
    for (const group of this.groups) {
      for (let i = 0; i < group.bounds.min; i++) this.spawn(group);
    }
    const described = this.groups.map(
      (g) =>
        `${g.label}: ${g.bounds.min === g.bounds.max ? g.bounds.min : `${g.bounds.min}-${g.bounds.max}`}`,
    );
    this.logger.log(LogLines.poolStarted(this.id, described));
    if (this.groups.some((g) => g.bounds.min < g.bounds.max)) {
      this.scaler = setInterval(() => void this.scale(), SCALE_TICK_MS);
    }
  }

  private group(
    label: string,
    queues: string[],
    bounds: ResolvedProcesses,
  ): PoolGroup {
    return {
      label,
      queues,
      bounds,
      processes: new Set(),
      restartsPending: 0,
      deathsInARow: 0,
      bootFailuresInARow: 0,
    };
  }

  private spawn(group: PoolGroup): void {
    const concurrency = Object.entries(this.config.pool!.concurrency)
      .filter(([queue]) => group.queues.includes(queue))
      .flatMap(([queue, n]) => ['--concurrency', `${queue}=${n}`]);
    // Its own process group, so a Ctrl-C in the terminal reaches only the supervisor, which passes
    // exactly one SIGTERM on (Nest stops a process hard on a second signal).
    const child = fork(
      process.argv[1],
      [...group.queues, ...concurrency, POOL_ARGUMENT, this.id],
      {
        execArgv: process.execArgv,
        env: process.env,
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
        detached: true,
      },
    );
    const proc: PoolProcess = {
      child,
      group,
      startedAt: Date.now(),
      ready: false,
      retiring: false,
      lastError: '',
      bootTimer: setTimeout(() => {
        proc.lastError ||= `not ready within ${BOOT_TIMEOUT_MS / 1000} s`;
        child.kill('SIGKILL');
      }, BOOT_TIMEOUT_MS),
      exited: new Promise((resolve) =>
        child.once('exit', (code, signal) =>
          resolve(this.exited(proc, code, signal)),
        ),
      ),
    };
    group.processes.add(proc);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL_CHARS);
      proc.lastError = stderr.trim().split('\n').slice(-5).join('\n');
    });
    child.on('message', (message) => {
      if (!isPoolChildMessage(message)) return;
      if (message.type === 'nestjs-jobs:boot-failed') {
        proc.lastError = message.error;
        return;
      }
      proc.ready = true;
      clearTimeout(proc.bootTimer);
      group.bootFailuresInARow = 0;
      this.logger.log(LogLines.poolProcessServes(child.pid, group.label));
    });
    // fork() reports a failure to start (a missing entry file is an exit instead) as an error event.
    child.on('error', (error) => (proc.lastError = error.message));
  }

  private exited(
    proc: PoolProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    const { group, child } = proc;
    clearTimeout(proc.bootTimer);
    group.processes.delete(proc);
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping || proc.retiring) {
      this.logger.log(LogLines.poolProcessStopped(child.pid, group.label, how));
      return;
    }
    if (!proc.ready) {
      group.bootFailuresInARow++;
      if (group.bootFailuresInARow >= BOOT_FAILURES_TO_STOP) {
        this.fail(
          Messages.poolCrashLoop(
            group.label,
            group.bootFailuresInARow,
            proc.lastError,
          ),
        );
        return;
      }
    }
    group.deathsInARow =
      proc.ready && Date.now() - proc.startedAt >= STABLE_MS
        ? 1
        : group.deathsInARow + 1;
    const delay = restartDelayMs(group.deathsInARow);
    this.logger.warn(
      LogLines.poolProcessReplaced(
        child.pid,
        group.label,
        how,
        proc.ready,
        delay,
      ),
    );
    group.restartsPending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      group.restartsPending--;
      if (!this.stopping) this.spawn(group);
    }, delay);
    this.timers.add(timer);
  }

  /**
   * One autoscaling tick: reads the backlog of every scaling queue at once (one Redis round trip
   * for all, two when jobs wait) and applies at most one step to each.
   */
  private async scale(): Promise<void> {
    const scaling = this.groups.filter((g) => g.bounds.min < g.bounds.max);
    const backlogs = await readBacklogs(
      scaling.map((g) => this.queues.get(g.queues[0])),
      this.queues.producer,
    ).catch(() => undefined);
    if (!backlogs) return; // Redis away: keep the pool as it is.
    for (const [i, group] of scaling.entries()) {
      if (this.stopping) return;
      const queue = group.queues[0];
      const backlog = backlogs[i];
      const now = Date.now();
      if (backlog.waiting > 0) group.idleSince = undefined;
      else group.idleSince ??= now;
      const serving = [...group.processes].filter((p) => !p.retiring);
      const decision = decideProcesses(
        {
          processes: serving.length + group.restartsPending,
          starting:
            serving.filter((p) => !p.ready).length + group.restartsPending,
          waiting: backlog.waiting,
          oldestWaitingMs: backlog.oldestWaitingMs,
          idleMs: group.idleSince === undefined ? 0 : now - group.idleSince,
        },
        group.bounds,
      );
      if (!decision) continue;
      const from = serving.length + group.restartsPending;
      this.logger.log(
        LogLines.poolScaled(
          queue,
          from,
          from + decision.change,
          decision.reason,
        ),
      );
      if (decision.change > 0) {
        this.spawn(group);
      } else {
        // The newest goes; it drains its running jobs like any SIGTERM, so none is lost.
        const newest = serving.sort((a, b) => b.startedAt - a.startedAt)[0];
        newest.retiring = true;
        newest.child.kill('SIGTERM');
        group.idleSince = now;
      }
    }
  }

  private fail(message: string): void {
    if (this.stopping) return;
    this.logger.error(message);
    for (const handler of this.fatalHandlers) void handler(message);
  }

  /**
   * Sends SIGTERM to every process (once: a second signal would stop it hard) and waits until all
   * have drained, each within its `shutdownGraceMs`; any still running after that plus a margin
   * is killed, so the supervisor always ends.
   */
  async onModuleDestroy(): Promise<void> {
    if (!this.config.pool) return;
    this.stopping = true;
    clearInterval(this.scaler);
    for (const timer of this.timers) clearTimeout(timer);
    const all = this.groups.flatMap((g) => [...g.processes]);
    for (const proc of all) {
      if (!proc.retiring) proc.child.kill('SIGTERM');
      proc.retiring = true;
    }
    const exited = Promise.all(all.map((p) => p.exited));
    let deadline: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(
      (resolve) =>
        (deadline = setTimeout(
          () => resolve('late'),
          this.config.shutdownGraceMs + STOP_MARGIN_MS,
        )),
    );
    if ((await Promise.race([exited, late])) === 'late') {
      for (const proc of all) proc.child.kill('SIGKILL');
      await exited;
    }
    clearTimeout(deadline);
    this.logger.log(LogLines.poolStopped(this.id));
  }
}
