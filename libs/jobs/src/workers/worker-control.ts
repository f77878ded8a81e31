/** Commands any process can publish to every worker process, over one Redis pub/sub channel. */
export type ControlMessage =
  | { type: 'concurrency'; queue: string; concurrency: number }
  | { type: 'cancel'; id: string; reason?: string; createdAt?: number };

export const controlChannel = (prefix: string) =>
  `${prefix}:nestjs-jobs:control`;

/** What JSON.parse gave, fields not yet checked (null, a number or an array read as no fields). */
type Unchecked<K extends string> = { [key in K]?: unknown } | null;

/** Parses a message from the channel; anything malformed is ignored rather than trusted. */
export function parseControlMessage(raw: string): ControlMessage | undefined {
  try {
    const m = JSON.parse(raw) as Unchecked<
      'type' | 'queue' | 'concurrency' | 'id' | 'reason' | 'createdAt'
    >;
    if (
      m?.type === 'concurrency' &&
      typeof m.queue === 'string' &&
      typeof m.concurrency === 'number' &&
      Number.isInteger(m.concurrency) &&
      m.concurrency > 0
    ) {
      return {
        type: 'concurrency',
        queue: m.queue,
        concurrency: m.concurrency,
      };
    }
    if (m?.type === 'cancel' && typeof m.id === 'string') {
      return {
        type: 'cancel',
        id: m.id,
        reason: typeof m.reason === 'string' ? m.reason : undefined,
        createdAt:
          typeof m.createdAt === 'number' && Number.isFinite(m.createdAt)
            ? m.createdAt
            : undefined,
      };
    }
  } catch {
    // not JSON: ignore
  }
  return undefined;
}

/**
 * How long a cancel is also kept in Redis, for a job whose worker was restarting when the cancel
 * was published: it is checked when the job restarts. As long as failed jobs are kept by default.
 */
export const CANCEL_MARKER_TTL_S = 7 * 24 * 3600;

/**
 * Key of job `id`'s cancel marker. Under the queue's own prefix (`queuePrefix`), so on a cluster it
 * lives in the queue's hash slot; `nestjs-jobs:` keeps it apart from BullMQ's `<queue>:<id>` keys.
 */
export const cancelMarkerKey = (
  queuePrefix: string,
  queue: string,
  id: string,
) => `${queuePrefix}:nestjs-jobs:cancelled:${queue}:${id}`;

/** A cancel marker: the cancelled job's creation time (so a later job that reuses the id is not hit) and the reason. */
export interface CancelMarker {
  createdAt: number;
  reason?: string;
}

export const encodeCancelMarker = (marker: CancelMarker): string =>
  JSON.stringify(marker);

/** Reads a marker; anything malformed is ignored. */
export function parseCancelMarker(
  raw: string | null,
): CancelMarker | undefined {
  if (!raw) return undefined;
  try {
    const m = JSON.parse(raw) as Unchecked<'createdAt' | 'reason'>;
    if (typeof m?.createdAt === 'number' && Number.isFinite(m.createdAt))
      return {
        createdAt: m.createdAt,
        reason: typeof m.reason === 'string' ? m.reason : undefined,
      };
  } catch {
    // not JSON: ignore
  }
  return undefined;
}
