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

interface Frame {
  source: unknown;
  assign: (value: unknown) => void;
  path: string;
  depth: number;
}

function copyIteratively(input: unknown, maxDepth: number): CopyResult {
  const root: { value: unknown } = { value: undefined };
  // Decoded JSON never shares a node, so a second visit means a cycle or a shared reference.
  const seen = new Set<object>();
  const stack: Frame[] = [{ source: input, assign: (v) => (root.value = v), path: '', depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop();
    if (frame === undefined) break;
    const { source, path, depth } = frame;
    const here = path === '' ? '<root>' : path;
    switch (typeof source) {
      case 'string':
      case 'boolean':
        frame.assign(source);
        continue;
      case 'number':
        if (!Number.isFinite(source)) return { ok: false, path: here, message: 'must be a finite number' };
        frame.assign(source);
        continue;
      case 'undefined':
        frame.assign(null);
        continue;
      case 'object':
        break;
      default:
        return { ok: false, path: here, message: `a ${typeof source} is not JSON data` };
    }
    if (source === null) {
      frame.assign(null);
      continue;
    }
    if (depth >= maxDepth) return { ok: false, path: here, message: `nested more than ${maxDepth} levels deep` };
    if (seen.has(source)) return { ok: false, path: here, message: 'refers to an object twice (a cycle or a shared node)' };
    seen.add(source);
    if (Array.isArray(source)) {
      const out: unknown[] = new Array<unknown>(source.length).fill(null);
      frame.assign(out);
      for (let i = source.length - 1; i >= 0; i--) {
        stack.push({ source: source[i], assign: (v) => (out[i] = v), path: `${path}[${i}]`, depth: depth + 1 });
      }
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(source);
    if (proto !== Object.prototype && proto !== null) {
      return { ok: false, path: here, message: 'is not a plain JSON object' };
    }
    const out: JsonObject = {};
    frame.assign(out);
    const keys = Object.keys(source);
    const pending: Frame[] = [];
    for (const key of keys) {
      const value: unknown = Object.getOwnPropertyDescriptor(source, key)?.value;
      if (value === undefined) continue; // JSON drops undefined members
      setOwn(out, key, null); // reserve the key so the copy keeps the source order
      pending.push({
        source: value,
        assign: (v) => setOwn(out, key, v),
        path: path === '' ? key : `${path}.${key}`,
        depth: depth + 1,
      });
    }
    for (let i = pending.length - 1; i >= 0; i--) {
      const p = pending[i];
      if (p) stack.push(p);
    }
  }
  return { ok: true, value: root.value };
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
