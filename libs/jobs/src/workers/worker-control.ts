/** Commands any process can publish to every worker process, over one Redis pub/sub channel. */
export type ControlMessage =
  | { type: 'concurrency'; queue: string; concurrency: number }
  | { type: 'cancel'; id: string; reason?: string };

export const controlChannel = (prefix: string) => `${prefix}:nestjs-jobs:control`;

/** Parses a message from the channel; anything malformed is ignored rather than trusted. */
export function parseControlMessage(raw: string): ControlMessage | undefined {
  try {
    const m = JSON.parse(raw);
    if (m?.type === 'concurrency' && typeof m.queue === 'string' && Number.isInteger(m.concurrency) && m.concurrency > 0) {
      return { type: 'concurrency', queue: m.queue, concurrency: m.concurrency };
    }
    if (m?.type === 'cancel' && typeof m.id === 'string') {
      return { type: 'cancel', id: m.id, reason: typeof m.reason === 'string' ? m.reason : undefined };
    }
  } catch {
    // not JSON: ignore
  }
  return undefined;
}
