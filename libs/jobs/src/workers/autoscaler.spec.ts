import { Autoscaler } from './autoscaler';

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
});
