import { types } from 'node:util';
import { Messages } from '../jobs.messages';
import { JobResultTooLargeError } from '../errors/job-result-too-large.error';

/**
 * What a handler threw, as an `Error`. BullMQ's failure path reads `err.message` and `err.stack`:
 * `throw undefined` or `throw null` made it throw in turn and left the job active, and a thrown
 * string lost its text. Errors from other realms (vm contexts) are kept as they are.
 */
export function toHandlerError(thrown: unknown): Error {
  return types.isNativeError(thrown) || thrown instanceof Error
    ? thrown
    : new Error(Messages.handlerThrewNonError(thrown));
}

/**
 * `result`, unless storing it would put more than `maxBytes` of JSON into Redis (a job's result is
 * kept with the job, so it has the same bound as its data) or JSON cannot carry it: then
 * `JobResultTooLargeError`, and the attempt fails instead.
 */
export function checkJobResult(
  jobName: string,
  result: unknown,
  maxBytes: number,
): unknown {
  if (
    result === undefined ||
    result === null ||
    typeof result === 'boolean' ||
    typeof result === 'number'
  )
    return result;
  // A short string cannot exceed the bound: skip serialising it (UTF-8 takes at most 3 bytes per UTF-16 unit, plus escapes).
  if (typeof result === 'string' && 6 * result.length + 2 <= maxBytes)
    return result;
  let text: string | undefined;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    throw new JobResultTooLargeError(
      Messages.resultNotJson(jobName, (error as Error).message),
    );
  }
  if (text === undefined) return result;
  if (3 * text.length > maxBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes)
      throw new JobResultTooLargeError(
        Messages.resultTooLarge(jobName, bytes, maxBytes),
      );
  }
  return result;
}
