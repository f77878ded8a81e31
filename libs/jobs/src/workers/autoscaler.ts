import type { Queue } from 'bullmq';

/** How often the backlog is sampled. */
const TICK_MS = 1_000;
/** Idle samples in a row before concurrency steps down. */
const IDLE_TICKS_TO_SHRINK = 5;

/**
 * Scales one process's concurrency for one queue between `min` and `max`: doubles it while jobs
 * wait (up to what the backlog could use), and halves it after several idle samples. One Redis
 * round trip per second per queue, never per job.
 */
export class Autoscaler {
  private timer?: NodeJS.Timeout;
  private current: number;
  private idleTicks = 0;

  constructor(
    private readonly bounds: { min: number; max: number },
    private readonly queue: Queue,
    private readonly apply: (concurrency: number) => void,
  ) {
    this.current = bounds.min;
  }

  start(): void {
    this.timer = setInterval(
      () => void this.tick().catch(() => undefined),
      TICK_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Samples the backlog once and applies the decision. */
  async tick(): Promise<void> {
    const waiting = await this.queue.getJobCountByTypes('wait', 'prioritized');
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
