import { toSchedulerRepeat } from './repeat-options';
import type { JobRepeatOptions } from '../interfaces/job-handler-options.interface';

// A handler's `repeat` option turned into BullMQ's job-scheduler options, or the reason it cannot be
// (the boot failure that names the handler is tested on real Redis in libs/jobs/test/recurring-jobs.spec.ts).

describe('toSchedulerRepeat', () => {
  it.each([
    [1_000, 1_000],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    [' 10 s ', 10_000],
  ])('reads every: %j as %d ms', (every, ms) => {
    expect(toSchedulerRepeat({ every })).toEqual({ every: ms });
  });

  it('passes a cron expression through, with its time zone when given', () => {
    expect(toSchedulerRepeat({ cron: '0 3 * * *' })).toEqual({
      pattern: '0 3 * * *',
    });
    expect(
      toSchedulerRepeat({ cron: '0 3 * * *', tz: 'Europe/Berlin' }),
    ).toEqual({ pattern: '0 3 * * *', tz: 'Europe/Berlin' });
  });

  it('accepts data beside every or cron, and leaves it out of the schedule', () => {
    expect(toSchedulerRepeat({ every: '1m', data: { full: true } })).toEqual({
      every: 60_000,
    });
    expect(
      toSchedulerRepeat({ cron: '*/5 * * * *', data: { full: true } }),
    ).toEqual({ pattern: '*/5 * * * *' });
  });

  it.each<[string, unknown, RegExp]>([
    [
      'not an object',
      'every 5m',
      /^repeat must be \{ every \} or \{ cron, tz\? \}$/,
    ],
    ['null', null, /^repeat must be/],
    [
      'an unknown key (typo)',
      { every: '5m', evry: 1 },
      /^repeat has an unknown option "evry"; use every, cron, tz or data$/,
    ],
    [
      'neither every nor cron',
      {},
      /^repeat needs exactly one of every or cron$/,
    ],
    [
      'both every and cron',
      { every: '1h', cron: '* * * * *' },
      /^repeat needs exactly one of every or cron$/,
    ],
    [
      'every 0',
      { every: 0 },
      /^repeat\.every 0 is not an interval; use milliseconds or a string such as '30s'/,
    ],
    ['a negative every', { every: -5 }, /^repeat\.every -5 is not an interval/],
    [
      'a fractional every',
      { every: 1.5 },
      /^repeat\.every 1\.5 is not an interval/,
    ],
    ['"0s"', { every: '0s' }, /^repeat\.every "0s" is not an interval/],
    [
      'an unknown unit',
      { every: '1 fortnight' },
      /^repeat\.every "1 fortnight" is not an interval/,
    ],
    [
      'a unit without a number',
      { every: 'h' },
      /^repeat\.every "h" is not an interval/,
    ],
    [
      'a time zone with every',
      { every: '1h', tz: 'UTC' },
      /^repeat\.tz only applies to cron$/,
    ],
    [
      'a cron that is not a string',
      { cron: 5 },
      /^repeat\.cron must be a cron expression such as "0 3 \* \* \*"$/,
    ],
    [
      'an unknown time zone',
      { cron: '0 3 * * *', tz: 'Mars/Olympus' },
      /^repeat\.tz "Mars\/Olympus" is not a time zone; use an IANA name such as "Europe\/Berlin"$/,
    ],
    [
      'a minute of 61',
      { cron: '61 * * * *' },
      /^repeat\.cron "61 \* \* \* \*" is not a valid cron expression \(.+\)$/,
    ],
    [
      'words for a cron',
      { cron: 'every night' },
      /^repeat\.cron "every night" is not a valid cron expression/,
    ],
  ])('says what is wrong with %s', (_what, repeat, message) => {
    const result = toSchedulerRepeat(repeat as JobRepeatOptions);
    expect(typeof result).toBe('string');
    expect(result).toMatch(message);
  });
});
