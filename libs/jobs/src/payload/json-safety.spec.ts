import { inspectJson, MAX_PAYLOAD_DEPTH } from './json-safety';

// What JSON would silently drop or change, found with its path before a job is enqueued. The same
// rules through JobService.enqueue on real Redis are in libs/jobs/test/payload-safety.spec.ts.

const nested = (
  levels: number,
  kind: 'object' | 'array' = 'object',
): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++)
    value = kind === 'object' ? { a: value } : [value];
  return value;
};
const utf8 = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe('inspectJson', () => {
  it.each([
    [
      'an object of primitives',
      { id: 7, name: 'sw-1', up: true, note: null, tags: ['a', 'b'] },
    ],
    ['a string', 'plain'],
    ['null', null],
    ['an empty array', []],
    [
      'an object with a null prototype',
      Object.assign(Object.create(null), { a: 1 }),
    ],
    [
      'undefined properties, which JSON drops as optional fields expect',
      { a: 1, b: undefined },
    ],
  ])('finds no problem in %s', (_what, value) => {
    expect(inspectJson(value).problem).toBeUndefined();
  });

  it.each<[string, unknown, string, string]>([
    ['a function', { run: () => 1 }, 'data.run', 'a function'],
    ['a BigInt', { big: 10n }, 'data.big', 'a BigInt (send it as a string)'],
    ['a symbol', { s: Symbol('x') }, 'data.s', 'a symbol'],
    ['NaN', { n: NaN }, 'data.n', 'NaN (not a finite number)'],
    [
      'Infinity in an array',
      { list: [1, Infinity] },
      'data.list[1]',
      'Infinity (not a finite number)',
    ],
    [
      'undefined in an array (JSON makes it null)',
      { list: [1, undefined] },
      'data.list[1]',
      'undefined',
    ],
    // eslint-disable-next-line no-sparse-arrays -- a hole on purpose: the case under test
    ['a sparse slot', { list: [1, , 3] }, 'data.list[1]', 'undefined'],
    [
      'a Map',
      { m: new Map() },
      'data.m',
      'a Map (convert it to an array or object)',
    ],
    ['a Set', { s: new Set([1]) }, 'data.s', 'a Set (convert it to an array)'],
    [
      'a typed array',
      { b: new Uint8Array(2) },
      'data.b',
      'a typed array or DataView (convert it to an array or a base64 string)',
    ],
    [
      'an Error',
      { e: new Error('x') },
      'data.e',
      'an Error (send its message as a string)',
    ],
    [
      'a boxed number',
      { n: new Number(1) },
      'data.n',
      'a Number object (send the primitive number)',
    ],
    ['an Invalid Date', { at: new Date('nope') }, 'data.at', 'an Invalid Date'],
    ['undefined at the top', undefined, 'data', 'undefined'],
  ])('finds %s, with its path', (_what, value, path, what) => {
    expect(inspectJson(value).problem).toEqual({ path, what, kind: 'json' });
  });

  it('checks what toJSON returns instead: a valid Date travels as its ISO string', () => {
    expect(inspectJson({ at: new Date(0) }).problem).toBeUndefined();
    expect(
      inspectJson({ x: { toJSON: () => ({ f: () => 1 }) } }).problem,
    ).toEqual({ path: 'data.x.f', what: 'a function', kind: 'json' });
    expect(inspectJson({ x: { toJSON: () => undefined } }).problem).toEqual({
      path: 'data.x',
      what: 'undefined, returned by its toJSON()',
      kind: 'json',
    });
    // Called with the key, as JSON.stringify calls it (the index as a string in arrays).
    const keys: string[] = [];
    const spy = { toJSON: (key: string) => (keys.push(key), 1) };
    inspectJson({ k: spy, list: [spy] });
    expect(keys).toEqual(['k', '0']);
  });

  it('finds a circular reference, but not the same object twice side by side', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    expect(inspectJson(loop).problem).toEqual({
      path: 'data.self.back',
      what: 'a circular reference',
      kind: 'json',
    });
    const shared = { x: 1 };
    expect(
      inspectJson({ a: shared, b: shared, list: [shared, shared] }).problem,
    ).toBeUndefined();
  });

  it(`accepts ${MAX_PAYLOAD_DEPTH} levels of nesting and refuses one more, in objects and arrays`, () => {
    expect(inspectJson(nested(MAX_PAYLOAD_DEPTH)).problem).toBeUndefined();
    expect(
      inspectJson(nested(MAX_PAYLOAD_DEPTH, 'array')).problem,
    ).toBeUndefined();
    const deep = inspectJson(nested(MAX_PAYLOAD_DEPTH + 1)).problem!;
    expect(deep).toMatchObject({
      kind: 'depth',
      what: `nested more than ${MAX_PAYLOAD_DEPTH} levels deep`,
    });
    expect(deep.path).toBe(`data${'.a'.repeat(MAX_PAYLOAD_DEPTH)}`);
    expect(
      inspectJson(nested(MAX_PAYLOAD_DEPTH + 1, 'array')).problem,
    ).toMatchObject({ kind: 'depth' });
    // Far deeper than the call stack would take: refused, not a RangeError.
    expect(inspectJson(nested(100_000)).problem).toMatchObject({
      kind: 'depth',
    });
  });

  it('refuses a "__proto__" key always, and keys named like Object.prototype members only with prototypeKeys', () => {
    const proto: unknown = JSON.parse('{"a":{"__proto__":{"admin":true}}}');
    expect(inspectJson(proto).problem).toMatchObject({
      path: 'data.a.__proto__',
      kind: 'key',
    });
    expect(inspectJson(proto).problem!.what).toMatch(
      /^a "__proto__" key, which replaces the prototype/,
    );
    expect(inspectJson({ constructor: 'x' }).problem).toBeUndefined();
    expect(
      inspectJson({ nested: { toString: 'x' } }, { prototypeKeys: true })
        .problem,
    ).toEqual({
      path: 'data.nested.toString',
      what: 'a key named like the Object.prototype member "toString", which a payload class cannot declare (rename it)',
      kind: 'key',
    });
  });

  it('writes keys that are not identifiers in brackets, and cuts long ones short', () => {
    expect(inspectJson({ 'a key': { 'x-y': [() => 1] } }).problem!.path).toBe(
      'data["a key"]["x-y"][0]',
    );
    const long = 'k'.repeat(100);
    expect(inspectJson({ [long]: () => 1 }).problem!.path).toBe(
      `data[${JSON.stringify(`${'k'.repeat(64)}…`)}]`,
    );
  });

  it('never throws: a throwing getter, toJSON or proxy is a problem at its path', () => {
    const getter = { ok: 1 };
    Object.defineProperty(getter, 'bad', {
      enumerable: true,
      get: () => {
        throw new TypeError('no access');
      },
    });
    expect(inspectJson({ g: getter }).problem).toEqual({
      path: 'data.g.bad',
      what: 'unreadable (TypeError: no access)',
      kind: 'json',
    });
    expect(
      inspectJson({
        t: {
          toJSON: () => {
            throw new Error('boom');
          },
        },
      }).problem,
    ).toEqual({
      path: 'data.t',
      what: 'an object whose toJSON() threw (Error: boom)',
      kind: 'json',
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    expect(inspectJson({ p: proxy }).problem).toMatchObject({
      what: 'unreadable (Error: trap)',
      kind: 'json',
    });
  });

  it.each([
    ['ASCII', { name: 'switch-01', n: 12.5, ok: false, none: null }],
    ['escapes and non-ASCII', { s: '"\\\n\u0001é😀', list: ['ü', 'ß'] }],
    [
      'numbers at their longest',
      { a: -1.2345678901234568e-300, b: Number.MAX_SAFE_INTEGER },
    ],
    ['a Date', { at: new Date(0) }],
  ])(
    'bounds the UTF-8 size of JSON.stringify from above (%s)',
    (_what, value) => {
      expect(inspectJson(value).maxBytes).toBeGreaterThanOrEqual(utf8(value));
    },
  );
});
