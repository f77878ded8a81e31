import type { Queue } from 'bullmq';

/** How often the backlog is sampled. */
const TICK_MS = 1_000;
/** Idle samples in a row before concurrency steps down. */
const IDLE_TICKS_TO_SHRINK = 5;

/**
 * Scales one process's concurrency for one queue between `min` and `max`: doubles it while jobs
 * wait (up to what the backlog could use), and halves it after several idle samples. It reads
 * nothing itself: `AutoscaleSampler` hands it the backlog once per second.
 */
export class Autoscaler {
  private current: number;
  private idleTicks = 0;
  private stopped = false;

  constructor(
    private readonly bounds: { min: number; max: number },
    readonly queue: Queue,
    private readonly apply: (concurrency: number) => void,
  ) {
    this.current = bounds.min;
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** For good: a `setConcurrency` overrides autoscaling. */
  stop(): void {
    this.stopped = true;
  }

  /** Applies the decision for one sample of the backlog (jobs ready to run). */
  sample(waiting: number): void {
    if (this.stopped) return;
    const next = Autoscaler.decide(
      this.current,
      waiting,
      this.bounds,
      this.idleTicks,
    );
    this.idleTicks = waiting === 0 ? this.idleTicks + 1 : 0;
    if (next !== this.current) {
      if (next < this.current) this.idleTicks = 0;
      this.current = next;
      this.apply(next);
    }
  }

  /** The next concurrency for a sampled backlog. Pure, so the policy is easy to test. */
  static decide(
    current: number,
    waiting: number,
    bounds: { min: number; max: number },
    idleTicks: number,
  ): number {
    if (waiting > 0) return Math.min(bounds.max, current * 2);
    if (idleTicks + 1 >= IDLE_TICKS_TO_SHRINK)
      return Math.max(bounds.min, Math.floor(current / 2));
    return current;
  }
}

/**
 * One timer for every autoscaled queue of a process: each tick reads all their backlogs with
 * `read` (one Redis round trip for all) and hands each `Autoscaler` its sample, so 100 autoscaled
 * queues cost one round trip a second, not 100. A tick that fails (Redis away) changes nothing.
 */
export class AutoscaleSampler {
  private readonly autoscalers: Autoscaler[] = [];
  private timer?: NodeJS.Timeout;
  private reading = false;

  constructor(private readonly read: (queues: Queue[]) => Promise<number[]>) {}

  add(autoscaler: Autoscaler): void {
    this.autoscalers.push(autoscaler);
  }

  start(): void {
    if (this.timer || this.autoscalers.length === 0) return;
    this.timer = setInterval(
      () => void this.tick().catch(() => undefined),
      TICK_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples every active autoscaler's backlog once and applies the decisions. */
  async tick(): Promise<void> {
    const active = this.autoscalers.filter((a) => a.active);
    // A read still pending (Redis slow) is not joined by another.
    if (active.length === 0 || this.reading) return;
    this.reading = true;
    try {
      const waiting = await this.read(active.map((a) => a.queue));
      active.forEach((a, i) => a.sample(waiting[i]));
    } finally {
      this.reading = false;
    }
  }
}
