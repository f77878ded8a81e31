import fc from 'fast-check';
import { nested } from './redis-snapshot';

/**
 * Generators for the fuzz suite (libs/jobs/test/fuzz.spec.ts): hostile and edge-case job names,
 * ids, payloads, enqueue options and admin API parameters. Sizes are kept small enough that a few
 * hundred runs take seconds; `PAYLOAD_LIMIT` is the `maxPayloadBytes` the suite's app uses, so
 * strings near the limit stay cheap.
 */
export const PAYLOAD_LIMIT = 16 * 1024;

/** Names BullMQ uses for a queue's own keys, which a job id must never collide with. */
export const BULLMQ_KEY_NAMES = [
  'wait',
  'paused',
  'meta',
  'events',
  'stalled',
  'stalled-check',
  'marker',
  'active',
  'completed',
  'failed',
  'delayed',
  'prioritized',
  'pc',
  'id',
  'limiter',
  'repeat',
  'de',
  'waiting-children',
  'metrics',
  'logs',
  'lock',
];

const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Strings of every kind: ASCII, full Unicode, lone surrogates, controls, the names above. */
export const anyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\ud800',
      '\udc00x',
      '\u2028\u2029',
      '"\\',
      '🧪',
      'a:b',
      '%',
      '..',
      '\n',
      ...OBJECT_PROTOTYPE_NAMES,
      ...BULLMQ_KEY_NAMES,
    ),
  );

/** Values JSON cannot carry, or carries in a way that changes them. */
const oddLeaf = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(
      undefined,
      NaN,
      Infinity,
      -Infinity,
      1n,
      Symbol('s'),
      () => 1,
      new Date(NaN),
      new Map(),
      new Set([1]),
      /re/,
      new Error('e'),
    ),
    fc.constant(null).map(() => Object(2n) as object),
    fc.constant(null).map(() => new String('boxed')),
    fc.constant(null).map(() => new Uint8Array(3)),
    fc.constant(null).map(() => Object.create(Date.prototype) as object),
    fc
      .constantFrom<unknown>(undefined, 1n, NaN, null, 'x', { a: 1 })
      .map((v) => ({ toJSON: () => v })),
    fc.constant(null).map(() => ({
      toJSON() {
        throw new TypeError('toJSON threw');
      },
    })),
  );

/** JSON values with every edge: -0, 1e308, 5e-324, Unicode and lone surrogates, empty and odd keys. */
const jsonLeaf = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -0,
      1e308,
      -1e308,
      5e-324,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER - 10,
      0.1,
      '',
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    anyString(),
    fc.date({ noInvalidDate: true }),
  );

/** A key, with `Object.prototype` member names and `__proto__` among them. */
const anyKey = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
    { weight: 1, arbitrary: anyString(8) },
  );

/** An object with own properties only, `__proto__` included as an own key. */
const objectOf = (
  value: fc.Arbitrary<unknown>,
  maxKeys: number,
): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(
      fc.array(fc.tuple(anyKey(), value), { maxLength: maxKeys }),
      fc.constantFrom('plain', 'null-prototype', 'class'),
    )
    .map(([entries, kind]) => {
      const out = (
        kind === 'null-prototype'
          ? Object.create(null)
          : kind === 'class'
            ? new (class Odd {})()
            : {}
      ) as Record<string, unknown>;
      for (const [key, v] of entries)
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    });

/** Payloads: mostly JSON (deep, wide, odd shapes), sometimes holding a value JSON cannot carry. */
export const payload = (): fc.Arbitrary<unknown> => {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: jsonLeaf() },
      { weight: 1, arbitrary: oddLeaf() },
      { weight: 2, arbitrary: fc.array(tie('tree'), { maxLength: 4 }) },
      { weight: 2, arbitrary: objectOf(tie('tree'), 4) },
      { weight: 1, arbitrary: tie('tree').map((v) => ({ toJSON: () => v })) },
    ),
  }));
  return fc.oneof(
    { weight: 6, arbitrary: tree },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null) },
    // Deep: around the 64-level limit, and far beyond it.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            fc.integer({ min: 60, max: 70 }),
            fc.integer({ min: 1, max: 3000 }),
          ),
          fc.constantFrom<'object' | 'array'>('object', 'array'),
        )
        .map(([n, kind]) => nested(n, kind)),
    },
    // Wide.
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 2000 })
        .map((n) =>
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 2000 })
        .map((n) => Array.from({ length: n }, (_, i) => (i % 2 ? `${i}` : i))),
    },
    // Strings near maxPayloadBytes, in characters of 1 to 6 JSON bytes.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.integer({ min: -40, max: 40 }),
          fc.constantFrom('x', 'é', '€', '🧪', '"', '\u0001', '\ud800'),
        )
        .map(([offset, char]) => {
          const bytes = Buffer.byteLength(JSON.stringify(char)) - 2;
          return {
            s: char.repeat(
              Math.max(0, Math.floor((PAYLOAD_LIMIT - 8 + offset) / bytes)),
            ),
          };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"__proto__":{"polluted":1}}',
          '{"a":{"__proto__":[]}}',
          '{"constructor":{"prototype":{"polluted":1}}}',
        )
        .map((s): unknown => JSON.parse(s)),
    },
  );
};

/** Valid and broken `Device` payloads (the suite's payload class). */
export const devicePayload = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.record(
      {
        deviceId: fc.oneof(
          fc.integer({ min: 1 }),
          fc.constantFrom<unknown>(0, -1, 1.5, '7', null, NaN),
        ),
        target: fc.oneof(
          fc.record({ host: anyString() }),
          fc.constantFrom<unknown>(null, 'x', {}),
        ),
        extra: payload(),
      },
      { requiredKeys: ['deviceId'] },
    ),
    objectOf(fc.integer({ min: 1, max: 9 }), 3).map((o) => ({
      deviceId: 1,
      ...o,
    })),
    payload(),
  );

/** A number option: valid, out of range, or of the wrong type. */
const numberOption = (min: number, max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min, max }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        min - 1,
        -1,
        0.5,
        1e300,
        -1e300,
        2 ** 31,
        2 ** 53,
        Number.MAX_VALUE,
        NaN,
        Infinity,
        -0,
        '10',
        null,
        true,
        [1],
        {},
      ),
    },
    { weight: 1, arbitrary: fc.double() },
  );

/** Job ids: fresh valid ones, BullMQ's own key names, integers, colons, huge and odd strings, other types. */
export const jobId = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.uuid().map((u) => `id-${u}`) },
    { weight: 2, arbitrary: fc.constantFrom(...BULLMQ_KEY_NAMES) },
    { weight: 2, arbitrary: anyString(60) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        '1',
        '007',
        '1e3',
        '-1',
        ' 1',
        'a:b',
        ':',
        '',
        0,
        12,
        null,
        {},
        ['x'],
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 300_000 })
        .map((n) => 'i'.repeat(n)),
    },
  );

/** Every field of `EnqueueOptions`, each optional, valid or not; sometimes an unknown field or not an object at all. */
export const enqueueOptions = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(
          fc.record(
            {
              delay: numberOption(0, 5_000),
              runAt: fc.oneof(
                fc
                  .integer({ min: -10_000, max: 60_000 })
                  .map((ms) => new Date(Date.now() + ms)),
                fc.constantFrom<unknown>(
                  new Date(NaN),
                  new Date(8.64e15),
                  '2030-01-01',
                  0,
                  null,
                ),
              ),
              priority: numberOption(1, 2_097_152),
              attempts: numberOption(1, 20),
              backoff: fc.oneof(
                numberOption(0, 10_000),
                fc.record(
                  {
                    type: fc.constantFrom<unknown>(
                      'fixed',
                      'exponential',
                      'linear',
                      '',
                      1,
                    ),
                    delay: numberOption(0, 10_000),
                  },
                  { requiredKeys: ['type'] },
                ),
              ),
              jobId: jobId(),
              timeout: numberOption(1, 600_000),
              uniqueKey: fc.oneof(
                anyString(20),
                fc.constantFrom<unknown>('', 5, null, {}),
              ),
              uniqueFor: numberOption(1, 600_000),
            },
            { requiredKeys: [] },
          ),
          fc.option(
            fc.constantFrom(
              'jobid',
              'Delay',
              '__proto__',
              'constructor',
              'lifo',
              'removeOnComplete',
            ),
            { nil: undefined },
          ),
        )
        .map(([options, extra]) => {
          if (extra !== undefined)
            Object.defineProperty(options, extra, {
              value: 1,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          return options;
        }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        null,
        'fast',
        5,
        [],
        [{ delay: 1 }],
      ),
    },
  );

/** Job names: the registered ones mostly, then any string or any value. */
export const jobName = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('free', 'device') },
    { weight: 2, arbitrary: anyString() },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        null,
        0,
        {},
        ['free'],
        Symbol('free'),
      ),
    },
  );

/** Queue names given to `enqueue`: none mostly, configured ones, and others. */
export const queueName = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom('default', 'other') },
    { weight: 1, arbitrary: anyString() },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, {}, 'default ') },
  );

/** A URL path segment: percent-encoded text, or raw bytes that are odd in a URL. */
export const pathSegment = (): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: anyString(40)
        .filter((s) => s !== '' && isWellFormed(s))
        .map(encodeURIComponent),
    },
    { weight: 1, arbitrary: fc.constantFrom(...BULLMQ_KEY_NAMES) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'default',
        'other',
        'nope',
        '%',
        '%zz',
        '%00',
        '%2e%2e',
        '..',
        '.',
        '%3A',
        'a%3Ab',
        '%20',
        'x'.repeat(300),
      ),
    },
  );

/** A query parameter value: numbers at every edge, odd text, repeated (an array). */
export const queryValue = (): fc.Arbitrary<string | string[]> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -5, max: 200 }).map(String) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '0',
        '-0',
        '1',
        '1.5',
        '1e3',
        '1e21',
        '1e308',
        '9007199254740993',
        'Infinity',
        'NaN',
        '',
        ' ',
        'abc',
        '0x10',
        '2 ',
        '%',
        '[]',
        'null',
        'true',
      ),
    },
    { weight: 1, arbitrary: anyString(20).filter(isWellFormed) },
    {
      weight: 1,
      arbitrary: fc.array(fc.constantFrom('1', '2', 'x'), {
        minLength: 2,
        maxLength: 3,
      }),
    },
  );

function isWellFormed(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}
