/**
 * BullMQ's own key names under a queue (`<prefix>:<queue>:<name>`, bullmq's QueueKeys and the keys
 * its scripts add). A job is stored at `<prefix>:<queue>:<id>`, so a job id equal to one of these
 * would read, overwrite or delete that key and break the queue.
 */
export const BULLMQ_KEY_NAMES: readonly string[] = [
  'active',
  'wait',
  'waiting-children',
  'paused',
  'id',
  'delayed',
  'prioritized',
  'stalled-check',
  'completed',
  'failed',
  'stalled',
  'repeat',
  'limiter',
  'meta',
  'events',
  'pc',
  'marker',
  'de',
  'metrics',
];
const RESERVED = new Set(BULLMQ_KEY_NAMES);

/** Longest caller-chosen job id: room for a UUID or a hash with a prefix, not for a document. */
export const MAX_JOB_ID_LENGTH = 128;
/** Characters of a caller-chosen job id: safe in Redis keys, URLs, logs and bull-board. */
export const JOB_ID_CHARACTERS =
  'letters, digits, "_", "-", ".", "~", "@", "+" or "="';
const JOB_ID_PATTERN = /^[A-Za-z0-9_.~@+=-]+$/;
/** Longest id `get`/`cancel` look up; anything longer cannot name a stored job and is "not found". */
const MAX_READABLE_ID_LENGTH = 1024;
/** Ids BullMQ gives a schedule's runs: `repeat:<scheduler id>:<milliseconds>`. */
const SCHEDULED_JOB_ID = /^repeat:[^:]+:\d+$/;

/**
 * Why `id` cannot be a caller-chosen job id, or `undefined` when it can. Ids are 1 to
 * `MAX_JOB_ID_LENGTH` of `JOB_ID_CHARACTERS`, not an integer (BullMQ refuses those: its own ids are
 * numbers) and not only digits (they could meet BullMQ's numbers), and not one of `BULLMQ_KEY_NAMES`.
 * UUIDs, the ids the library makes, always pass.
 */
export function jobIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string')
    return `is ${id === null ? 'null' : `a ${typeof id}`}, not a string`;
  if (id === '') return 'is empty';
  if (id.length > MAX_JOB_ID_LENGTH)
    return `is ${id.length} characters long, more than ${MAX_JOB_ID_LENGTH}`;
  if (!JOB_ID_PATTERN.test(id))
    return `has characters other than ${JOB_ID_CHARACTERS}`;
  if (/^\d+$/.test(id) || `${parseInt(id, 10)}` === id)
    return 'is a number, and BullMQ numbers the jobs it names itself';
  if (RESERVED.has(id))
    return `is the name of BullMQ's own "${id}" key in every queue`;
  return undefined;
}

/**
 * Whether `id` may name a stored job, so that reading or cancelling it can never touch a queue's
 * own keys: a caller's or generated id, one of BullMQ's numbers (jobs added through bull-board or
 * raw BullMQ), or a schedule's `repeat:<scheduler>:<ms>`; never one of `BULLMQ_KEY_NAMES`.
 */
export function isReadableJobId(id: unknown): id is string {
  if (
    typeof id !== 'string' ||
    id === '' ||
    id.length > MAX_READABLE_ID_LENGTH ||
    RESERVED.has(id)
  )
    return false;
  return !id.includes(':') || SCHEDULED_JOB_ID.test(id);
}
