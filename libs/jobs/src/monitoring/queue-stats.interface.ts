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
  /**
   * For a queue with `processes`: its configured bounds, and how many live processes a pool
   * supervisor started for it. `null` for other queues.
   */
  pool: { min: number; max: number; processes: number } | null;
  /** Milliseconds the next job to run has been waiting (queue latency); 0 when none waits. */
  oldestWaitingMs: number;
  /**
   * Jobs that finished in the last 60 s, summed over the live worker processes serving the queue,
   * as of their last heartbeat (so up to `heartbeatIntervalMs` old). Failed counts final failures
   * only, not attempts that will be retried.
   */
  lastMinute: { completed: number; failed: number };
}
