/** A live worker process, from its heartbeat in Redis. */
export interface WorkerInfo {
  /** `host:pid:random`, unique per process start. */
  id: string;
  host: string;
  pid: number;
  /** The queues this process serves. */
  queues: string[];
  /** Queue name → jobs this process runs at once. */
  concurrency: Record<string, number>;
  /** Queue name → jobs this process finished in the 60 s before `lastSeen` (failed: finally, not retried). */
  lastMinute: Record<string, { completed: number; failed: number }>;
  /** The id of the pool supervisor that started this process; absent for a process started by hand. */
  pool?: string;
  startedAt: Date;
  /** When the process last wrote its heartbeat. */
  lastSeen: Date;
}
