import { CronExpressionParser } from 'cron-parser';
import type { JobRepeatOptions } from '../interfaces/job-handler-options.interface';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** BullMQ's repeat options for a handler's `repeat`, or a string that says what is wrong with it. */
export function toSchedulerRepeat(repeat: JobRepeatOptions): { every: number } | { pattern: string; tz?: string } | string {
  if (typeof repeat !== 'object' || repeat === null) return 'repeat must be { every } or { cron, tz? }';
  const keys = Object.keys(repeat).filter((k) => !['every', 'cron', 'tz', 'data'].includes(k));
  if (keys.length) return `repeat has an unknown option "${keys[0]}"; use every, cron, tz or data`;
  if ((repeat.every === undefined) === (repeat.cron === undefined)) return 'repeat needs exactly one of every or cron';
  if (repeat.every !== undefined) {
    const every = parseInterval(repeat.every);
    if (every === undefined) return `repeat.every ${JSON.stringify(repeat.every)} is not an interval; use milliseconds or a string such as '30s', '5m', '1h', '1d'`;
    if (repeat.tz !== undefined) return 'repeat.tz only applies to cron';
    return { every };
  }
  if (typeof repeat.cron !== 'string') return 'repeat.cron must be a cron expression such as "0 3 * * *"';
  if (repeat.tz !== undefined && !isTimeZone(repeat.tz)) return `repeat.tz "${repeat.tz}" is not a time zone; use an IANA name such as "Europe/Berlin"`;
  try {
    CronExpressionParser.parse(repeat.cron, repeat.tz ? { tz: repeat.tz } : {});
  } catch (error) {
    return `repeat.cron "${repeat.cron}" is not a valid cron expression (${(error as Error).message})`;
  }
  return { pattern: repeat.cron, ...(repeat.tz && { tz: repeat.tz }) };
}

function parseInterval(every: number | string): number | undefined {
  if (typeof every === 'number') return Number.isInteger(every) && every > 0 ? every : undefined;
  const match = typeof every === 'string' ? /^(\d+)\s*(ms|s|m|h|d)$/.exec(every.trim()) : null;
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
