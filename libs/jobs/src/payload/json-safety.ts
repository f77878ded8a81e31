export interface JsonProblem {
  /** Where, as `data.devices[2].name`. */
  path: string;
  what: string;
}

export interface JsonInspection {
  problem?: JsonProblem;
  /**
   * An upper bound of the UTF-8 size of `JSON.stringify(value)` (`Infinity` when a custom `toJSON`
   * makes it unknowable), so the exact size is only computed when it could exceed a limit.
   */
  maxBytes: number;
}

/**
 * Finds the first value JSON would drop or change silently (functions, BigInt, symbols, cycles,
 * NaN, Maps...), so a job never runs with data other than what the caller sent. Dates are allowed:
 * they travel as ISO strings and a payload class can turn them back with `@Type(() => Date)`.
 */
export function inspectJson(value: unknown): JsonInspection {
  const walker = new JsonWalker();
  const found = walker.walk(value);
  if (!found) return { maxBytes: walker.maxBytes };
  return { problem: { path: `data${found.path.reverse().join('')}`, what: found.what }, maxBytes: walker.maxBytes };
}

/** Worst-case JSON bytes: any UTF-16 unit may become a 6-byte `\u001f` escape; numbers print in at most 24 characters. */
const maxStringBytes = (s: string) => 2 + 6 * s.length;
const MAX_NUMBER_BYTES = 24;
/** `"+275760-09-13T00:00:00.000Z"`, the longest ISO date, or `null`. */
const MAX_DATE_BYTES = 29;

class JsonWalker {
  maxBytes = 0;
  private readonly ancestors = new Set<object>();

  /** The problem with its path segments innermost first (built only on the way out of a failure). */
  walk(value: unknown): { path: string[]; what: string } | undefined {
    switch (typeof value) {
      case 'string':
        this.maxBytes += maxStringBytes(value);
        return undefined;
      case 'boolean':
        this.maxBytes += 5;
        return undefined;
      case 'number':
        this.maxBytes += MAX_NUMBER_BYTES;
        return Number.isFinite(value) ? undefined : { path: [], what: `${value} (not a finite number)` };
      case 'bigint':
        return { path: [], what: 'a BigInt (send it as a string)' };
      case 'function':
        return { path: [], what: 'a function' };
      case 'symbol':
        return { path: [], what: 'a symbol' };
      case 'undefined':
        return { path: [], what: 'undefined' };
    }
    if (value === null) {
      this.maxBytes += 4;
      return undefined;
    }
    if (value instanceof Date) {
      this.maxBytes += MAX_DATE_BYTES;
      return undefined;
    }
    const object = value as object;
    if (this.ancestors.has(object)) return { path: [], what: 'a circular reference' };
    if (object instanceof Map || object instanceof Set || ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      return { path: [], what: `a ${object.constructor.name} (convert it to an array or object)` };
    }
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
      this.maxBytes = Infinity;
      return undefined;
    }
    this.ancestors.add(object);
    try {
      this.maxBytes += 2;
      if (Array.isArray(object)) {
        for (let i = 0; i < object.length; i++) {
          this.maxBytes += 1;
          const problem = this.walk(object[i]);
          if (problem) {
            problem.path.push(`[${i}]`);
            return problem;
          }
        }
        return undefined;
      }
      for (const key of Object.keys(object)) {
        const child = (object as Record<string, unknown>)[key];
        // JSON drops undefined properties, which is what optional fields expect.
        if (child === undefined) continue;
        this.maxBytes += maxStringBytes(key) + 2;
        const problem = this.walk(child);
        if (problem) {
          problem.path.push(`.${key}`);
          return problem;
        }
      }
      return undefined;
    } finally {
      this.ancestors.delete(object);
    }
  }
}
