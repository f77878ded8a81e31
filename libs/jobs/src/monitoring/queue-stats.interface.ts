/** One queue's state, from `JobService.stats()`. Counts are across every process sharing the Redis. */
export interface QueueStats {
  queue: string;
  counts: {
    /** Ready to run, including prioritized jobs and those held by a pause. */
    waiting: number;
    active: number;
    delayed: number;
    /** Finished jobs still kept by the retention settings. */
    completed: number;
    failed: number;
  };
  paused: boolean;
  /** Jobs this queue runs at once per worker process, as configured (autoscaling: its minimum). */
  concurrency: number;
  /** Live worker processes serving this queue, from their heartbeats. */
  workers: number;
  /** Milliseconds the next job to run has been waiting (queue latency); 0 when none waits. */
  oldestWaitingMs: number;
  /**
   * Jobs that finished in the last minute, across all processes, from BullMQ's per-minute metrics:
   * this minute so far plus the share of the previous minute that falls in the last 60 s.
   */
  lastMinute: { completed: number; failed: number };
}
