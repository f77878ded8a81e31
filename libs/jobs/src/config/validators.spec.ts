import {
  integerBetween,
  isIntegerBetween,
  isNonNegativeInteger,
  isPlainObject,
  isPositiveInteger,
  isQueueName,
  isUrlPath,
  isWord,
  numeric,
  type Refuse,
} from './validators';

describe('shared option validators', () => {
  it('takes one queue-name rule: letters, digits, "_", "-", ".", 1 to 100 of them', () => {
    for (const name of ['default', 'high_priority', 'a.b-c', 'x'.repeat(100)])
      expect(isQueueName(name)).toBe(true);
    for (const name of [
      '',
      'a:b',
      'a b',
      '{tag}',
      'x'.repeat(101),
      7,
      undefined,
    ])
      expect(isQueueName(name)).toBe(false);
  });

  it('tells integers in a range from everything else', () => {
    expect([1, 16, 2 ** 40].every(isPositiveInteger)).toBe(true);
    expect([0, -1, 1.5, NaN, Infinity, '1', null].some(isPositiveInteger)).toBe(
      false,
    );
    expect(isNonNegativeInteger(0)).toBe(true);
    expect(isNonNegativeInteger(-1)).toBe(false);
    expect(isIntegerBetween(10, 1, 10)).toBe(true);
    expect(isIntegerBetween(11, 1, 10)).toBe(false);
  });

  it('reads numeric strings as numbers, and leaves anything else as it is', () => {
    expect(numeric('16')).toBe(16);
    expect(numeric(' 4 ')).toBe(4);
    expect(numeric('-1')).toBe('-1');
    expect(numeric('1.5')).toBe('1.5');
    expect(numeric(undefined)).toBeUndefined();
  });

  it('integerBetween returns the value, or refuses it with the option and the expectation', () => {
    const refuse: Refuse = (option, value, expected) => {
      throw new Error(`${option}=${JSON.stringify(value)}: ${expected}`);
    };
    expect(integerBetween(refuse, 'n', 3, 'a positive integer', 1)).toBe(3);
    expect(() =>
      integerBetween(refuse, 'n', 0, 'a positive integer', 1),
    ).toThrow('n=0: a positive integer');
    expect(() => integerBetween(refuse, 'p', 5, 'at most 4', 1, 4)).toThrow(
      'p=5: at most 4',
    );
  });

  it('plain objects, words and URL paths', () => {
    expect(isPlainObject({})).toBe(true);
    expect([null, [], 'x', 1].some(isPlainObject)).toBe(false);
    expect(isWord('jobs')).toBe(true);
    expect(['', 'a b', 1].some(isWord)).toBe(false);
    for (const path of ['admin/jobs', '/admin/jobs/', 'v1.2/~x'])
      expect(isUrlPath(path)).toBe(true);
    for (const path of ['', '/', 'a//b', 'a b', '../x?y', 1])
      expect(isUrlPath(path)).toBe(false);
  });
});
