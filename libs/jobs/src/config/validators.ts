/**
 * The checks every option reader shares: module options (`jobs-config.ts`), enqueue options
 * (`utils/enqueue-options.ts`), the admin module's token and path (`admin-options.ts`) and the admin
 * API's parameters (`admin/jobs-admin.dto.ts`). Each reader keeps its own error and message.
 */

/** Says which option is wrong and what was expected; the reader's error class and message. */
export type Refuse = (
  option: string,
  value: unknown,
  expected: string,
) => never;

/** A queue name BullMQ can take: letters, digits, "_", "-" or "." (":" separates Redis keys). */
export const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** A URL path to mount routes at: segments of letters, digits, "_", "-", "." ":" or "~", slashes between. */
export const URL_PATH = /^\/?[A-Za-z0-9_.~:-]+(\/[A-Za-z0-9_.~:-]+)*\/?$/;

export const isQueueName = (value: unknown): value is string =>
  typeof value === 'string' && QUEUE_NAME.test(value);

export const isUrlPath = (value: unknown): value is string =>
  typeof value === 'string' && URL_PATH.test(value);

/** A non-empty string without whitespace (a prefix, a token). */
export const isWord = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && !/\s/.test(value);

/** An object with keys: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `object[key]` for a key read from `Object.keys(object)`, such as an unknown option to report. */
export const valueAt = (object: object, key: string): unknown =>
  (object as Record<string, unknown>)[key];

/** An integer from `min` to `max` (both included). */
export const isIntegerBetween = (
  value: unknown,
  min: number,
  max = Infinity,
): value is number =>
  Number.isInteger(value) &&
  (value as number) >= min &&
  (value as number) <= max;

export const isPositiveInteger = (value: unknown): value is number =>
  isIntegerBetween(value, 1);

export const isNonNegativeInteger = (value: unknown): value is number =>
  isIntegerBetween(value, 0);

/** Numeric strings ("16") count as numbers: `ConfigService` and the environment give strings. */
export function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value)
    ? Number(value)
    : value;
}

/** `value` if it is an integer from `min` to `max`; otherwise `refuse(option, value, expected)`. */
export function integerBetween(
  refuse: Refuse,
  option: string,
  value: unknown,
  expected: string,
  min: number,
  max = Infinity,
): number {
  if (!isIntegerBetween(value, min, max)) refuse(option, value, expected);
  return value;
}
