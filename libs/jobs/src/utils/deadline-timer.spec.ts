import { DeadlineTimer, type Expiring } from './deadline-timer';

// Fake timers: the order and the count of expiries are what matters, and no test waits in real time.

class Entry implements Expiring {
  expired = 0;
  constructor(
    readonly name: string,
    readonly deadline: number,
    private readonly log: string[],
  ) {}
  expire(): void {
    this.expired++;
    this.log.push(this.name);
  }
}

describe('DeadlineTimer', () => {
  let log: string[];
  let timer: DeadlineTimer<Entry>;
  const at = (name: string, inMs: number) =>
    new Entry(name, Date.now() + inMs, log);

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    log = [];
    timer = new DeadlineTimer<Entry>();
  });
  afterEach(() => {
    timer.clear();
    jest.useRealTimers();
  });

  it('expires entries in deadline order, whatever order they were added in, each exactly once', () => {
    timer.add(at('c', 300));
    timer.add(at('a', 100));
    timer.add(at('b', 200));
    jest.advanceTimersByTime(99);
    expect(log).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['a']);
    jest.advanceTimersByTime(200);
    expect(log).toEqual(['a', 'b', 'c']);
    jest.advanceTimersByTime(10_000);
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('uses one timer for any number of entries', () => {
    for (let i = 0; i < 1_000; i++) timer.add(at(`e${i}`, 5_000 + i));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(6_000);
    expect(log).toHaveLength(1_000);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('re-arms for an earlier entry added after a later one', () => {
    timer.add(at('late', 10_000));
    timer.add(at('early', 50));
    jest.advanceTimersByTime(50);
    expect(log).toEqual(['early']);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(9_950);
    expect(log).toEqual(['early', 'late']);
  });

  it('never expires a deleted entry, and keeps serving the others', () => {
    const gone = at('gone', 100);
    timer.add(gone);
    timer.add(at('kept', 200));
    timer.delete(gone);
    jest.advanceTimersByTime(1_000);
    expect(gone.expired).toBe(0);
    expect(log).toEqual(['kept']);
  });

  it('expires entries that share a deadline together, and one already past on the next tick', () => {
    timer.add(at('x', 100));
    timer.add(at('y', 100));
    timer.add(at('past', -500));
    jest.advanceTimersByTime(0);
    expect(log).toEqual(['past']);
    jest.advanceTimersByTime(100);
    expect(log.sort()).toEqual(['past', 'x', 'y']);
  });

  it('clear() drops every entry and the timer', () => {
    const entries = [at('a', 100), at('b', 200)];
    entries.forEach((e) => timer.add(e));
    timer.clear();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(log).toEqual([]);
    // Usable again after a clear.
    timer.add(at('again', 100));
    jest.advanceTimersByTime(100);
    expect(log).toEqual(['again']);
  });

  it('reaches a deadline beyond the longest setTimeout delay (about 24.8 days) in steps, not at once', () => {
    const MAX = 2 ** 31 - 1;
    const far = at('far', MAX + 60_000);
    timer.add(far);
    jest.advanceTimersByTime(MAX);
    // setTimeout would have fired at once for an overlong delay; the timer only re-armed.
    expect(far.expired).toBe(0);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(60_000);
    expect(far.expired).toBe(1);
  });

  it('does not keep the process alive (its timer is unref-ed)', () => {
    jest.useRealTimers();
    const real = new DeadlineTimer<Entry>();
    const spy = jest.spyOn(global, 'setTimeout');
    try {
      real.add(new Entry('r', Date.now() + 60_000, log));
      const handle = spy.mock.results[0].value as NodeJS.Timeout;
      expect(handle.hasRef()).toBe(false);
    } finally {
      real.clear();
      spy.mockRestore();
    }
  });
});
