/**
 * Safe handling of untrusted decoded input. Admission sees values that may be of any type, contain
 * keys such as `__proto__`, or nest without bound; these helpers read and copy them without
 * consulting prototypes, without recursion and without ever throwing.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** An own property of `o`, never one inherited from a prototype. */
export function own(o: unknown, key: string): unknown {
  if (!isObject(o) || !Object.hasOwn(o, key)) return undefined;
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

/** Sets an own data property, even for keys like `__proto__`. */
export function setOwn(o: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

export function isInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

export function nonEmptyString(x: unknown): x is string {
  return typeof x === 'string' && x !== '';
}

export type CopyResult = { ok: true; value: unknown } | { ok: false; path: string; message: string };

export const DEFAULT_MAX_COPY_DEPTH = 256;

/**
 * Deep-copies `input` as JSON data: plain objects, arrays, strings, finite numbers, booleans and null.
 * Object keys are kept in order and unknown fields survive. Anything else (functions, class instances,
 * non-finite numbers, cycles or shared nodes, nesting beyond `maxDepth`, throwing getters) is refused with its path.
 */
export function copyJsonValue(input: unknown, opts: { maxDepth?: number } = {}): CopyResult {
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_COPY_DEPTH;
  try {
    return copyIteratively(input, maxDepth);
  } catch (err) {
    return { ok: false, path: '', message: `cannot be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * One value still to copy: where the copy goes (`into[at]`) and how it was reached. Paths are
 * built only for an error message, from the parent chain, so a copy allocates no strings.
 */
interface Frame {
  source: unknown;
  into: JsonObject | unknown[];
  at: string | number;
  parent: Frame | undefined;
  depth: number;
}

function pathOf(frame: Frame): string {
  const parts: Array<string | number> = [];
  for (let f: Frame | undefined = frame; f !== undefined && f.parent !== undefined; f = f.parent) parts.push(f.at);
  let path = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string | number;
    path = typeof part === 'number' ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`;
  }
  return path === '' ? '<root>' : path;
}

function put(into: JsonObject | unknown[], at: string | number, value: unknown): void {
  if (typeof at === 'number') (into as unknown[])[at] = value;
  // `__proto__` must become an own data property, not the copy's prototype
  else if (at === '__proto__') setOwn(into as JsonObject, at, value);
  else (into as JsonObject)[at] = value;
}

function copyIteratively(input: unknown, maxDepth: number): CopyResult {
  const root: unknown[] = [null];
  const top: Frame = { source: input, into: root, at: 0, parent: undefined, depth: 0 };
  // Decoded JSON never shares a node, so a second visit means a cycle or a shared reference.
  const seen = new Set<object>();
  const stack: Frame[] = [top];
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    const { source, depth } = frame;
    switch (typeof source) {
      case 'string':
      case 'boolean':
        put(frame.into, frame.at, source);
        continue;
      case 'number':
        if (!Number.isFinite(source)) return { ok: false, path: pathOf(frame), message: 'must be a finite number' };
        put(frame.into, frame.at, source);
        continue;
      case 'undefined':
        put(frame.into, frame.at, null);
        continue;
      case 'object':
        break;
      default:
        return { ok: false, path: pathOf(frame), message: `a ${typeof source} is not JSON data` };
    }
    if (source === null) {
      put(frame.into, frame.at, null);
      continue;
    }
    if (depth >= maxDepth) return { ok: false, path: pathOf(frame), message: `nested more than ${maxDepth} levels deep` };
    if (seen.has(source)) return { ok: false, path: pathOf(frame), message: 'refers to an object twice (a cycle or a shared node)' };
    seen.add(source);
    if (Array.isArray(source)) {
      const out: unknown[] = new Array<unknown>(source.length).fill(null);
      put(frame.into, frame.at, out);
      for (let i = source.length - 1; i >= 0; i--) {
        stack.push({ source: source[i], into: out, at: i, parent: frame, depth: depth + 1 });
      }
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(source);
    if (proto !== Object.prototype && proto !== null) {
      return { ok: false, path: pathOf(frame), message: 'is not a plain JSON object' };
    }
    const out: JsonObject = {};
    put(frame.into, frame.at, out);
    const keys = Object.keys(source);
    const first = stack.length;
    for (const key of keys) {
      // a data property's value; an accessor is never called (its descriptor has no value)
      const value: unknown = Object.getOwnPropertyDescriptor(source, key)?.value;
      if (value === undefined) continue; // JSON drops undefined members
      put(out, key, null); // reserve the key so the copy keeps the source order
      stack.push({ source: value, into: out, at: key, parent: frame, depth: depth + 1 });
    }
    // the members were pushed in order: reverse them so they are copied (and fail) in order
    for (let i = first, j = stack.length - 1; i < j; i++, j--) {
      const t = stack[i] as Frame;
      stack[i] = stack[j] as Frame;
      stack[j] = t;
    }
  }
  return { ok: true, value: root[0] };
}

/** Structural equality of two JSON values; key order does not matter. Iterative. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const pair = stack.pop();
    if (pair === undefined) break;
    const [x, y] = pair;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]]);
      continue;
    }
    const xk = Object.keys(x);
    const yk = Object.keys(y);
    if (xk.length !== yk.length) return false;
    for (const k of xk) {
      if (!Object.hasOwn(y, k)) return false;
      stack.push([own(x, k), own(y, k)]);
    }
  }
  return true;
}
