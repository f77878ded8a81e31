import type { Queue } from 'bullmq';
import { AutoscaleSampler, Autoscaler } from './autoscaler';

describe('autoscaling', () => {
  it('decides: doubles while jobs wait, halves after idle samples, within bounds', () => {
    const bounds = { min: 1, max: 16 };
    expect(Autoscaler.decide(1, 50, bounds, 0)).toBe(2);
    expect(Autoscaler.decide(8, 50, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 50, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 0, bounds, 0)).toBe(16);
    expect(Autoscaler.decide(16, 0, bounds, 4)).toBe(8);
    expect(Autoscaler.decide(1, 0, bounds, 10)).toBe(1);
  });

  it('applies each sample: up while jobs wait, down after 5 idle samples, nothing once stopped', () => {
    const applied: number[] = [];
    const autoscaler = new Autoscaler({ min: 1, max: 4 }, queue('a'), (n) =>
      applied.push(n),
    );
    for (const waiting of [9, 9, 9, 0, 0, 0, 0, 0]) autoscaler.sample(waiting);
    expect(applied).toEqual([2, 4, 2]);
    autoscaler.stop();
    autoscaler.sample(9);
    expect(applied).toEqual([2, 4, 2]);
  });

  it('reads every active queue in one call per tick, and hands each its own sample', async () => {
    const reads: string[][] = [];
    const sampler = new AutoscaleSampler((queues) => {
      reads.push(queues.map((q) => q.name));
      return Promise.resolve(queues.map((q) => (q.name === 'busy' ? 5 : 0)));
    });
    const applied: Record<string, number[]> = { busy: [], idle: [], off: [] };
    const scalers = ['busy', 'idle', 'off'].map(
      (name) =>
        new Autoscaler({ min: 1, max: 8 }, queue(name), (n) =>
          applied[name].push(n),
        ),
    );
    for (const s of scalers) sampler.add(s);
    scalers[2].stop();
    await sampler.tick();
    await sampler.tick();
    expect(reads).toEqual([
      ['busy', 'idle'],
      ['busy', 'idle'],
    ]);
    expect(applied).toEqual({ busy: [2, 4], idle: [], off: [] });
  });

  it('does not start a read while one is pending, and a failed read changes nothing', async () => {
    let finish!: (counts: number[]) => void;
    let calls = 0;
    const sampler = new AutoscaleSampler(() => {
      calls++;
      return calls === 1
        ? new Promise<number[]>((resolve) => (finish = resolve))
        : Promise.reject(new Error('Redis away'));
    });
    const applied: number[] = [];
    sampler.add(
      new Autoscaler({ min: 1, max: 8 }, queue('a'), (n) => applied.push(n)),
    );
    const pending = sampler.tick();
    await sampler.tick();
    expect(calls).toBe(1);
    finish([3]);
    await pending;
    await expect(sampler.tick()).rejects.toThrow('Redis away');
    expect(applied).toEqual([2]);
  });
});

const queue = (name: string) => ({ name }) as Queue;
