/**
 * Finds the first value JSON would drop or change silently (functions, BigInt, symbols, cycles,
 * NaN, Maps...), so a job never runs with data other than what the caller sent. Returns where it
 * is and what it is, or `undefined` when the value survives a JSON round trip. Dates are allowed:
 * they travel as ISO strings and a payload class can turn them back with `@Type(() => Date)`.
 */
export function findJsonProblem(value: unknown, path = 'data'): { path: string; what: string } | undefined {
  return walk(value, path, new Set());
}

function walk(value: unknown, path: string, ancestors: Set<object>): { path: string; what: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path, what: `${value} (not a finite number)` };
    case 'bigint':
      return { path, what: 'a BigInt (send it as a string)' };
    case 'function':
      return { path, what: 'a function' };
    case 'symbol':
      return { path, what: 'a symbol' };
    case 'undefined':
      return { path, what: 'undefined' };
  }
  if (value === null || value instanceof Date) return undefined;
  const object = value as object;
  if (ancestors.has(object)) return { path, what: 'a circular reference' };
  if (object instanceof Map || object instanceof Set || ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return { path, what: `a ${object.constructor.name} (convert it to an array or object)` };
  }
  if (typeof (object as { toJSON?: unknown }).toJSON === 'function') return undefined;
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = walk(object[i], `${path}[${i}]`, ancestors);
        if (problem) return problem;
      }
      return undefined;
    }
    for (const key of Object.keys(object)) {
      const child = (object as Record<string, unknown>)[key];
      // JSON drops undefined properties, which is what optional fields expect.
      if (child === undefined) continue;
      const problem = walk(child, `${path}.${key}`, ancestors);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    ancestors.delete(object);
  }
}
