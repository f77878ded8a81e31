/**
 * How much longer than `shutdownGraceMs` shutdown may take, whatever Redis does: closing workers,
 * queues and connections politely gets this much in all, after which every connection that has
 * not closed is disconnected hard.
 */
export const SHUTDOWN_MARGIN_MS = 5_000;
/** The part of the margin for closing workers, the control channel and the heartbeat entry. */
export const WORKERS_CLOSE_MS = 3_000;
/** The rest, for closing queues and the producer connection afterwards. */
export const QUEUES_CLOSE_MS = SHUTDOWN_MARGIN_MS - WORKERS_CLOSE_MS;

/**
 * The time left before one shutdown deadline, shared by every step of that shutdown so the steps
 * together cannot take longer than the margin.
 */
export class ShutdownDeadline {
  private readonly at: number;

  constructor(ms: number) {
    this.at = Date.now() + ms;
  }

  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }

  /**
   * Waits for `work` until the deadline (or `ms`, if sooner). Resolves true when it settled in time
   * (its rejection is ignored: shutdown goes on), false when time ran out.
   */
  async wait(work: Promise<unknown>, ms = this.remaining()): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>(
      (resolve) =>
        (timer = setTimeout(
          () => resolve(false),
          Math.min(ms, this.remaining()),
        )),
    );
    try {
      return await Promise.race([
        work.then(
          () => true as const,
          () => true as const,
        ),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
