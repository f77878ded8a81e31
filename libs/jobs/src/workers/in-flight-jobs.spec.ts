import { InFlightJobs, LazyAbortSignal } from './job-processor';
import { JobTimeoutError } from '../errors/job-timeout.error';

// The bookkeeping behind timeouts, cancels and shutdown, without Redis: one timer serves every
// running job's deadline.

const never = () => new Promise<never>(() => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('InFlightJobs', () => {
  it('times out a later job with a shorter timeout before an earlier one with a longer timeout', async () => {
    const inFlight = new InFlightJobs();
    const long = inFlight.run('long', never(), new LazyAbortSignal(), 5_000);
    const shortSignal = new LazyAbortSignal();
    const short = inFlight.run('short', never(), shortSignal, 100);
    await expect(short).rejects.toBeInstanceOf(JobTimeoutError);
    expect(shortSignal.signal.aborted).toBe(true);
    expect(shortSignal.signal.reason).toBe('timeout');
    expect(inFlight.ids()).toEqual(['long']);
    expect(
      inFlight.stop('long', new Error('cancelled by test'), 'cancelled'),
    ).toBe(true);
    await expect(long).rejects.toThrow('cancelled by test');
    expect(inFlight.ids()).toEqual([]);
  });

  it('settles with the handler when it finishes first, and ignores what it does after a stop', async () => {
    const inFlight = new InFlightJobs();
    await expect(
      inFlight.run('quick', Promise.resolve(42), new LazyAbortSignal(), 1_000),
    ).resolves.toBe(42);
    let finish!: (value: string) => void;
    const late = inFlight.run(
      'late',
      new Promise<string>((r) => (finish = r)),
      new LazyAbortSignal(),
      1_000,
    );
    inFlight.stop('late', new Error('stopped'), 'cancelled');
    finish('too late');
    await expect(late).rejects.toThrow('stopped');
  });

  it('waits in steps for a timeout longer than a timer can wait (about 24.8 days)', async () => {
    // Node would cut an over-long delay to 1 ms, and the timer would spin.
    const timers = jest.spyOn(global, 'setTimeout');
    const inFlight = new InFlightJobs();
    void inFlight
      .run('forever', never(), new LazyAbortSignal(), 2 ** 31 + 1_000)
      .catch(() => undefined);
    await sleep(50);
    const delays = timers.mock.calls.map((call) => call[1] ?? 0);
    timers.mockRestore();
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(delays.filter((ms) => ms > 2 ** 30)).toHaveLength(1);
    expect(inFlight.ids()).toEqual(['forever']);
    inFlight.abandonAll('shutdown');
    expect(inFlight.ids()).toEqual([]);
  });

  it('gives a handler that reads its signal late one that is already aborted, with the reason', () => {
    const signal = new LazyAbortSignal();
    signal.abort('shutdown');
    expect(signal.signal.aborted).toBe(true);
    expect(signal.signal.reason).toBe('shutdown');
  });
});
