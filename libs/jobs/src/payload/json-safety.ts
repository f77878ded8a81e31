/**
 * Deepest nesting of objects and arrays accepted in job data, the data itself being level 1. Real
 * payloads stay far below; the bound keeps every recursive reader (this walk, class-transformer,
 * class-validator's nested validation, a handler's own code) well inside the call stack, which a
 * few thousand levels (about 26 KB of JSON) used to overflow.
 */
export const MAX_PAYLOAD_DEPTH = 64;

/** `json`: JSON cannot carry the value; `depth`: nested too deeply; `key`: a key that is refused. */
export type JsonProblemKind = 'json' | 'depth' | 'key';

export interface JsonProblem {
  /** Where, as `data.devices[2].name`. */
  path: string;
  what: string;
  kind: JsonProblemKind;
}

export interface JsonInspection {
  problem?: JsonProblem;
  /**
   * An upper bound of the UTF-8 size of `JSON.stringify(value)`, so the exact size is only
   * computed when it could exceed a limit.
   */
  maxBytes: number;
}

export interface JsonInspectOptions {
  /**
   * Refuse every key named like an `Object.prototype` member (`constructor`, `toString`,
   * `hasOwnProperty`...), not only `__proto__`: for data checked against a payload class, where
   * class-transformer drops some of them and class-validator's whitelist lets some through.
   */
  prototypeKeys?: boolean;
}

/**
 * Finds the first value JSON would drop or change silently (functions, BigInt, symbols, cycles,
 * NaN, Maps, Invalid Dates, sparse array slots...), so a job never runs with data other than what
 * the caller sent; data nested deeper than `MAX_PAYLOAD_DEPTH`; and `__proto__` keys (which
 * replace the prototype of any object they are copied into with `Object.assign` or a merge). A
 * `toJSON` method is called as `JSON.stringify` calls it and its result is checked instead, so
 * Dates travel as ISO strings (a payload class can turn them back with `@Type(() => Date)`). Never
 * throws: getters, proxies and `toJSON` methods that throw are reported as problems at their path.
 */
export function inspectJson(
  value: unknown,
  options: JsonInspectOptions = {},
): JsonInspection {
  const walker = new JsonWalker(
    options.prototypeKeys ? PROTOTYPE_KEYS : PROTO_ONLY,
  );
  let found: Found | undefined;
  try {
    found = walker.walk(value, '', 0, true);
  } catch (error) {
    // Not expected: every read that can throw is caught where it happens, with its path.
    found = {
      path: [],
      what: `unreadable (${describeError(error)})`,
      kind: 'json',
    };
  }
  if (!found) return { maxBytes: walker.maxBytes };
  return {
    problem: {
      path: `data${found.path.reverse().join('')}`,
      what: found.what,
      kind: found.kind,
    },
    maxBytes: walker.maxBytes,
  };
}

/** The problem with its path segments innermost first (built only on the way out of a failure). */
interface Found {
  path: string[];
  what: string;
  kind: JsonProblemKind;
}

const PROTO_ONLY: ReadonlySet<string> = new Set(['__proto__']);
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);

/** Worst-case JSON bytes: any UTF-16 unit may become a 6-byte `\u001f` escape; numbers print in at most 24 characters. */
const maxStringBytes = (s: string) => 2 + 6 * s.length;
const MAX_NUMBER_BYTES = 24;

/** Objects JSON would turn into `{}` or an index map, losing what they hold. Checked only for objects of other prototypes. */
const REFUSED: Array<
  [{ [Symbol.hasInstance](value: unknown): boolean }, string]
> = [
  [Map, 'a Map (convert it to an array or object)'],
  [Set, 'a Set (convert it to an array)'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [ArrayBuffer, 'an ArrayBuffer (convert it to an array or a base64 string)'],
  [RegExp, 'a RegExp (send its source as a string)'],
  [Error, 'an Error (send its message as a string)'],
  [Promise, 'a Promise (await it first)'],
  [Number, 'a Number object (send the primitive number)'],
  [String, 'a String object (send the primitive string)'],
  [Boolean, 'a Boolean object (send the primitive boolean)'],
  [BigInt, 'a BigInt object (send it as a string)'],
  [Symbol, 'a Symbol object'],
];

const leaf = (what: string, kind: JsonProblemKind = 'json'): Found => ({
  path: [],
  what,
  kind,
});

function describeError(error: unknown): string {
  try {
    return error instanceof Error
      ? `${error.name}: ${error.message}`
      : String(error);
  } catch {
    return 'an unprintable error';
  }
}

/** `.name`, or `["a key"]` for keys that are not identifiers (long ones cut short). */
function segment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key) && key.length <= 64) return `.${key}`;
  return `[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
}

class JsonWalker {
  maxBytes = 0;
  /** The objects being walked, outermost first: at most `MAX_PAYLOAD_DEPTH` of them. */
  private readonly ancestors: object[] = [];

  constructor(private readonly refusedKeys: ReadonlySet<string>) {}

  /**
   * `key` is what `JSON.stringify` passes to `toJSON` (`''` at the top, the index in arrays);
   * `depth` counts the objects and arrays around `value`; `callToJSON` is false for the result
   * of a `toJSON` call, as JSON calls it once per value.
   */
  walk(
    value: unknown,
    key: string | number,
    depth: number,
    callToJSON: boolean,
  ): Found | undefined {
    switch (typeof value) {
      case 'string':
        this.maxBytes += maxStringBytes(value);
        return undefined;
      case 'boolean':
        this.maxBytes += 5;
        return undefined;
      case 'number':
        this.maxBytes += MAX_NUMBER_BYTES;
        return Number.isFinite(value)
          ? undefined
          : leaf(`${value} (not a finite number)`);
      case 'bigint':
        return leaf('a BigInt (send it as a string)');
      case 'function':
        return leaf('a function');
      case 'symbol':
        return leaf('a symbol');
      case 'undefined':
        return leaf(
          callToJSON ? 'undefined' : 'undefined, returned by its toJSON()',
        );
    }
    if (value === null) {
      this.maxBytes += 4;
      return undefined;
    }
    const object = value as object;
    let toJSON: unknown;
    let isArray: boolean;
    try {
      toJSON = callToJSON ? (object as { toJSON?: unknown }).toJSON : undefined;
      isArray = Array.isArray(object);
    } catch (error) {
      return leaf(`unreadable (${describeError(error)})`);
    }
    if (typeof toJSON === 'function') {
      let result: unknown;
      try {
        result = toJSON.call(object, typeof key === 'number' ? `${key}` : key);
      } catch (error) {
        return leaf(`an object whose toJSON() threw (${describeError(error)})`);
      }
      // Date's toJSON gives null for an Invalid Date: the job would get null.
      if (result === null && object instanceof Date)
        return leaf('an Invalid Date');
      return this.walk(result, key, depth, false);
    }
    if (depth >= MAX_PAYLOAD_DEPTH)
      return leaf(`nested more than ${MAX_PAYLOAD_DEPTH} levels deep`, 'depth');
    if (this.ancestors.includes(object)) return leaf('a circular reference');
    if (!isArray) {
      let refused: string | undefined;
      try {
        refused = this.refusedKind(object);
      } catch (error) {
        return leaf(`unreadable (${describeError(error)})`);
      }
      if (refused) return leaf(refused);
    }
    this.ancestors.push(object);
    try {
      return isArray
        ? this.walkArray(object as unknown[], depth + 1)
        : this.walkObject(object, depth + 1);
    } finally {
      this.ancestors.pop();
    }
  }

  private walkArray(array: unknown[], depth: number): Found | undefined {
    this.maxBytes += 2;
    let i = 0;
    try {
      const length = array.length;
      for (; i < length; i++) {
        this.maxBytes += 1;
        const problem = this.walk(array[i], i, depth, true);
        if (problem) {
          problem.path.push(segment(i));
          return problem;
        }
      }
      return undefined;
    } catch (error) {
      return {
        path: [segment(i)],
        what: `unreadable (${describeError(error)})`,
        kind: 'json',
      };
    }
  }

  private walkObject(object: object, depth: number): Found | undefined {
    this.maxBytes += 2;
    let key: string | undefined;
    try {
      for (key of Object.keys(object)) {
        if (this.refusedKeys.has(key)) {
          return {
            path: [segment(key)],
            what:
              key === '__proto__'
                ? 'a "__proto__" key, which replaces the prototype of any object it is copied into (rename it)'
                : `a key named like the Object.prototype member "${key}", which a payload class cannot declare (rename it)`,
            kind: 'key',
          };
        }
        const child = (object as Record<string, unknown>)[key];
        // JSON drops undefined properties, which is what optional fields expect.
        if (child === undefined) continue;
        this.maxBytes += maxStringBytes(key) + 2;
        const problem = this.walk(child, key, depth, true);
        if (problem) {
          problem.path.push(segment(key));
          return problem;
        }
      }
      return undefined;
    } catch (error) {
      return {
        path: key === undefined ? [] : [segment(key)],
        what: `unreadable (${describeError(error)})`,
        kind: 'json',
      };
    }
  }

  /** Why JSON cannot carry this non-array object, for objects that are not plain. */
  private refusedKind(object: object): string | undefined {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Object.prototype || proto === null) return undefined;
    if (ArrayBuffer.isView(object))
      return 'a typed array or DataView (convert it to an array or a base64 string)';
    for (const [type, what] of REFUSED) if (object instanceof type) return what;
    return undefined;
  }
}
