import { Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsOptional, IsString, ValidateNested } from 'class-validator';
import { JobHandler, JobValidationError } from 'nestjs-jobs';
import { PayloadValidator } from '../src/payload/payload-validator';
import { inspectJson, MAX_PAYLOAD_DEPTH } from '../src/payload/json-safety';
import { resolveJobsConfig } from '../src/config/jobs-config';
import { createJobsApp, type JobsTestApp } from './support/test-app';
import { Device } from './support/device-payload';
import { asStored, nested, RedisSnapshots } from './support/redis-snapshot';

// Issue 12, item 4: payloads that used to crash the checks (stack overflow, raw TypeErrors) or to
// slip past a whitelist payload class. Each must be refused with a JobValidationError naming where,
// leaving Redis as it was, or be stored and read back exactly as JSON carries it.

/** A tree: the compiled check and class-validator both recurse through `child`. */
class Node {
  @IsString() name!: string;
  @IsOptional() @ValidateNested() @Type(() => Node) child?: Node;
}

@Injectable()
class Handlers {
  @JobHandler('free')
  free() {}

  @JobHandler('device', { payload: Device })
  device() {}

  @JobHandler('node', { payload: Node })
  node() {}
}

const deepNode = (levels: number): unknown => {
  let value: Record<string, unknown> = { name: 'leaf' };
  for (let i = 1; i < levels; i++) value = { name: `n${i}`, child: value };
  return value;
};

describe('payload safety (real Redis)', () => {
  let t: JobsTestApp;
  const snapshots = new RedisSnapshots();

  beforeAll(async () => {
    t = await createJobsApp({ workers: false }, [Handlers]);
  });
  afterAll(async () => {
    await t.close();
    snapshots.close();
  });

  /** Enqueues and expects a JobValidationError matching `message`, with nothing changed in Redis. */
  const refused = async (name: string, data: unknown, message: RegExp) => {
    const before = await snapshots.take(t);
    const error = await t.jobs.enqueue({ name, data }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JobValidationError);
    expect((error as Error).message).toMatch(message);
    expect(await snapshots.take(t)).toEqual(before);
  };

  /** Enqueues and expects the data to read back as JSON carries it. */
  const accepted = async (name: string, data: unknown) => {
    const ref = await t.jobs.enqueue({ name, data });
    expect((await t.jobs.get(ref.id))?.data).toEqual(asStored(data));
  };

  describe('depth', () => {
    it(`refuses data nested deeper than ${MAX_PAYLOAD_DEPTH} levels, naming the limit, for thousands of levels too`, async () => {
      const limit = new RegExp(`more than ${MAX_PAYLOAD_DEPTH} levels deep`);
      await refused('free', nested(MAX_PAYLOAD_DEPTH + 1), limit);
      await refused('free', nested(5_000), limit);
      await refused('free', nested(20_000, 'array'), limit);
      await refused(
        'free',
        JSON.parse('['.repeat(10_000) + ']'.repeat(10_000)),
        limit,
      );
      await refused(
        'device',
        { deviceId: 1, extra: nested(5_000) },
        /more than 64 levels deep \(at data\.extra\.a\.a\.a/,
      );
      await refused('node', deepNode(5_000), limit);
    });

    it(`accepts exactly ${MAX_PAYLOAD_DEPTH} levels and reads them back`, async () => {
      await accepted('free', nested(MAX_PAYLOAD_DEPTH));
      await accepted('free', nested(MAX_PAYLOAD_DEPTH, 'array'));
      await accepted('node', deepNode(MAX_PAYLOAD_DEPTH));
    });

    it('refuses deep data at the worker (stored by another tool) with JobValidationError, not a stack overflow', () => {
      const validator = new PayloadValidator(resolveJobsConfig({}));
      // As JSON.parse gives it back from Redis: 5,000 levels of `child`.
      const stored: unknown = JSON.parse(
        `${'{"name":"n","child":'.repeat(4_999)}{"name":"leaf"}${'}'.repeat(4_999)}`,
      );
      for (const data of [stored, deepNode(MAX_PAYLOAD_DEPTH + 1)]) {
        expect(() => validator.toInstance('node', data, Node)).toThrow(
          new RegExp(`more than ${MAX_PAYLOAD_DEPTH} levels deep`),
        );
      }
      expect(
        validator.toInstance('node', deepNode(MAX_PAYLOAD_DEPTH), Node),
      ).toBeInstanceOf(Node);
    });
  });

  describe('values JSON cannot carry', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays -- a hole on purpose: the case under test
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const cases: Array<[string, unknown, RegExp]> = [
      [
        'toJSON returning undefined at the top',
        { toJSON: () => undefined },
        /data is undefined, returned by its toJSON/,
      ],
      [
        'toJSON returning undefined in an array',
        { list: [{ toJSON: () => undefined }] },
        /data\.list\[0\] is undefined/,
      ],
      [
        'toJSON returning a BigInt',
        { n: { toJSON: () => 10n } },
        /data\.n is a BigInt/,
      ],
      [
        'toJSON returning a function',
        { n: { toJSON: () => () => 1 } },
        /data\.n is a function/,
      ],
      [
        'toJSON that throws',
        {
          n: {
            toJSON: () => {
              throw new TypeError('nope');
            },
          },
        },
        /data\.n is an object whose toJSON\(\) threw \(TypeError: nope\)/,
      ],
      ['toJSON returning NaN', { n: { toJSON: () => NaN } }, /data\.n is NaN/],
      [
        'toJSON returning a deep object',
        { n: { toJSON: () => nested(100) } },
        /more than 64 levels/,
      ],
      ['an Invalid Date', { at: new Date(NaN) }, /data\.at is an Invalid Date/],
      [
        'an Invalid Date in an array',
        { at: [new Date(), new Date('nope')] },
        /data\.at\[1\] is an Invalid Date/,
      ],
      [
        'an object pretending to be a Date',
        { at: Object.create(Date.prototype) as Date },
        /data\.at is an object whose toJSON\(\) threw/,
      ],
      ['a BigInt', { big: 1n }, /data\.big is a BigInt/],
      [
        'a boxed BigInt',
        { big: Object(1n) as object },
        /data\.big is a BigInt object/,
      ],
      [
        'a boxed String',
        { s: new String('abc') },
        /data\.s is a String object/,
      ],
      ['a function', { f() {} }, /data\.f is a function/],
      ['a symbol', { s: Symbol('x') }, /data\.s is a symbol/],
      ['NaN', { n: NaN }, /data\.n is NaN/],
      [
        '-Infinity in an array',
        { n: [0, -Infinity] },
        /data\.n\[1\] is -Infinity/,
      ],
      ['a cycle', cyclic, /data\.self\.back is a circular reference/],
      ['a sparse array', { list: sparse }, /data\.list\[1\] is undefined/],
      [
        'a huge sparse array',
        { list: new Array(2 ** 32 - 1) },
        /data\.list\[0\] is undefined/,
      ],
      [
        'a getter that throws',
        {
          get boom(): never {
            throw new Error('getter');
          },
        },
        /data\.boom is unreadable \(Error: getter\)/,
      ],
      ['a revoked proxy', { p: revoked.proxy }, /data\.p is unreadable/],
      ['a Map', { m: new Map([[1, 2]]) }, /data\.m is a Map/],
      ['a RegExp', { r: /x/ }, /data\.r is a RegExp/],
      ['an Error', { e: new Error('x') }, /data\.e is an Error/],
      ['a typed array', { b: new Uint8Array(2) }, /data\.b is a typed array/],
      [
        'an odd key in the path',
        { 'a b': { '': [NaN] } },
        /data\["a b"\]\[""\]\[0\] is NaN/,
      ],
    ];

    it.each(cases)(
      'refuses %s with a JobValidationError naming the path',
      async (_what, data, message) => {
        await refused('free', data, message);
      },
    );

    it('refuses the same values inside a payload class', async () => {
      await refused(
        'device',
        { deviceId: 1, extra: { toJSON: () => 1n } },
        /data\.extra is a BigInt/,
      );
      await refused(
        'device',
        { deviceId: 1, extra: new Date(NaN) },
        /data\.extra is an Invalid Date/,
      );
    });

    it('accepts plain data in odd shapes and reads it back exactly', async () => {
      const bare = Object.assign(Object.create(null) as object, {
        a: 1,
        b: [null, -0, 1e308, 5e-324],
      });
      class WithPrototypeGetter {
        own = 'kept';
        get computed() {
          return 'not own, so JSON leaves it out';
        }
      }
      for (const data of [
        bare,
        new WithPrototypeGetter(),
        { at: new Date('2026-01-02T03:04:05.678Z') },
        { money: { toJSON: (key: string) => `amount under ${key}` } },
        { list: [{ toJSON: () => ({ nested: [1, 'two'] }) }] },
        { toJSON: () => 'a string payload' },
        {
          '': 'empty key',
          'lone \ud800 surrogate': '\udc00\u0000\u2028',
          emoji: '🧪',
        },
        {
          constructor: 'a plain key',
          toString: 'also',
          hasOwnProperty: 1,
          valueOf: [],
        },
        { toJSON: 5, other: 'toJSON that is not a function is plain data' },
        'a string',
        [1, 'two', { three: 3 }],
      ]) {
        await accepted('free', data);
      }
    });
  });

  describe('keys named like Object.prototype members', () => {
    const polluted = () => ({}) as Record<string, unknown>;

    it('refuses "__proto__" keys, with or without a payload class, and pollutes nothing', async () => {
      await refused(
        'free',
        JSON.parse('{"__proto__": {"polluted": true}}'),
        /data\.__proto__ is a "__proto__" key/,
      );
      await refused(
        'free',
        JSON.parse('{"a": [{"__proto__": {"polluted": true}}]}'),
        /data\.a\[0\]\.__proto__/,
      );
      await refused(
        'device',
        JSON.parse('{"deviceId": 1, "__proto__": {"polluted": true}}'),
        /data\.__proto__/,
      );
      expect(polluted().polluted).toBeUndefined();
    });

    it.each([
      'constructor',
      'toString',
      'hasOwnProperty',
      'isPrototypeOf',
      'propertyIsEnumerable',
      '__defineGetter__',
      'valueOf',
      'toLocaleString',
    ])(
      'refuses a "%s" key in data checked by a payload class, at any level',
      async (key) => {
        const named = new RegExp(`Object\\.prototype member "${key}"`);
        await refused('device', { deviceId: 1, [key]: 1 }, named);
        await refused(
          'device',
          { deviceId: 1, target: { host: 'h', [key]: 'x' } },
          named,
        );
        await refused('device', { deviceId: 1, extra: { [key]: 'x' } }, named);
      },
    );

    it('refuses them at the worker too, for data stored by another tool', () => {
      const validator = new PayloadValidator(resolveJobsConfig({}));
      for (const json of [
        '{"deviceId":1,"hasOwnProperty":1}',
        '{"deviceId":1,"constructor":{"prototype":{"x":1}}}',
        '{"deviceId":1,"__proto__":{"x":1}}',
      ]) {
        expect(() =>
          validator.toInstance('device', JSON.parse(json), Device),
        ).toThrow(JobValidationError);
      }
      expect(polluted().x).toBeUndefined();
    });
  });

  it('inspectJson never throws, whatever it is given', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys');
        },
        getPrototypeOf() {
          throw new Error('getPrototypeOf');
        },
      },
    );
    expect(inspectJson(hostile).problem?.what).toMatch(/unreadable/);
    expect(inspectJson({ a: hostile }).problem?.path).toBe('data.a');
  });
});
