const WINDOW_SECONDS = 60;

/**
 * Jobs one worker finished in the last 60 s, counted in memory per second. Each process sends its
 * counts with its heartbeat and `stats()` adds them up: this replaces BullMQ's `metrics` option,
 * which cost two Redis commands per job inside the finishing script (see bench/README.md).
 */
export class FinishedJobsCounter {
  /** Ring of per-second buckets; `seconds[i]` says which second bucket i holds. */
  private readonly seconds = new Float64Array(WINDOW_SECONDS).fill(-1);
  private readonly completedIn = new Uint32Array(WINDOW_SECONDS);
  private readonly failedIn = new Uint32Array(WINDOW_SECONDS);

  completed(now = Date.now()): void {
    this.completedIn[this.bucket(now)]++;
  }

  /** A final failure: an attempt that will be retried is not a finished job. */
  failed(now = Date.now()): void {
    this.failedIn[this.bucket(now)]++;
  }

  /** Jobs finished in the 60 s up to `now`. */
  lastMinute(now = Date.now()): { completed: number; failed: number } {
    const second = Math.floor(now / 1000);
    let completed = 0;
    let failed = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      if (second - this.seconds[i] < WINDOW_SECONDS) {
        completed += this.completedIn[i];
        failed += this.failedIn[i];
      }
    }
    return { completed, failed };
  }

  private bucket(now: number): number {
    const second = Math.floor(now / 1000);
    const i = second % WINDOW_SECONDS;
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.completedIn[i] = 0;
      this.failedIn[i] = 0;
    }
    return i;
  }
}
