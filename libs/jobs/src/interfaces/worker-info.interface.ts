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
  startedAt: Date;
  /** When the process last wrote its heartbeat. */
  lastSeen: Date;
}
