import { CronExpressionParser } from 'cron-parser';
import type { JobRepeatOptions } from '../interfaces/job-handler-options.interface';
import { isPositiveInteger } from '../config/validators';
import { Messages } from '../jobs.messages';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** BullMQ's repeat options for a handler's `repeat`, or a string that says what is wrong with it. */
export function toSchedulerRepeat(
  repeat: JobRepeatOptions,
): { every: number } | { pattern: string; tz?: string } | string {
  if (typeof repeat !== 'object' || repeat === null)
    return Messages.repeatNotAnObject();
  const keys = Object.keys(repeat).filter(
    (k) => !['every', 'cron', 'tz', 'data'].includes(k),
  );
  if (keys.length) return Messages.repeatUnknownOption(keys[0]);
  if ((repeat.every === undefined) === (repeat.cron === undefined))
    return Messages.repeatEveryOrCron();
  if (repeat.every !== undefined) {
    const every = parseInterval(repeat.every);
    if (every === undefined) return Messages.repeatBadInterval(repeat.every);
    if (repeat.tz !== undefined) return Messages.repeatTzWithoutCron();
    return { every };
  }
  if (typeof repeat.cron !== 'string') return Messages.repeatCronNotString();
  if (repeat.tz !== undefined && !isTimeZone(repeat.tz))
    return Messages.repeatBadTimeZone(repeat.tz);
  try {
    CronExpressionParser.parse(repeat.cron, repeat.tz ? { tz: repeat.tz } : {});
  } catch (error) {
    return Messages.repeatBadCron(repeat.cron, (error as Error).message);
  }
  return { pattern: repeat.cron, ...(repeat.tz && { tz: repeat.tz }) };
}

function parseInterval(every: number | string): number | undefined {
  if (typeof every === 'number')
    return isPositiveInteger(every) ? every : undefined;
  const match =
    typeof every === 'string'
      ? /^(\d+)\s*(ms|s|m|h|d)$/.exec(every.trim())
      : null;
  if (!match) return undefined;
  const ms = Number(match[1]) * UNITS[match[2]];
  return ms > 0 ? ms : undefined;
}

function isTimeZone(tz: unknown): boolean {
  if (typeof tz !== 'string') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
