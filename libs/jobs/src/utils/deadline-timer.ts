/** Something that must be told when its deadline (a `Date.now()` time) passes. */
export interface Expiring {
  readonly deadline: number;
  expire(): void;
}

/** setTimeout's longest delay; a later deadline is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Many deadlines on one timer, armed for the earliest and re-armed after each expiry. An entry
 * costs a Set insert and delete instead of a setTimeout and clearTimeout: this serves per-job
 * timeouts in workers and per-call Redis deadlines in producers.
 */
export class DeadlineTimer<T extends Expiring> {
  private readonly entries = new Set<T>();
  private timer?: NodeJS.Timeout;
  private armedFor = Infinity;

  add(entry: T): void {
    this.entries.add(entry);
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
  }

  delete(entry: T): void {
    this.entries.delete(entry);
  }

  clear(): void {
    this.entries.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(
      () => this.fire(),
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
    // What waits is kept alive by its own connection or worker, not by this timer.
    this.timer.unref();
  }

  /** Expires every entry past its deadline, then re-arms for the next one. */
  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const entry of [...this.entries]) {
      if (entry.deadline <= now) {
        this.entries.delete(entry);
        entry.expire();
      } else {
        next = Math.min(next, entry.deadline);
      }
    }
    if (next < Infinity) this.arm(next);
  }
}
