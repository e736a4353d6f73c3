/**
 * Typed reads of untrusted fields. Each check records a violation on the collector and returns the
 * value only when it has the right type and range, so callers can go on validating what is usable.
 */
import { type FieldErrors, indexPath } from './field-errors.js';
import { isObject, type JsonObject } from './json-value.js';

export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;

export function checkObject(fe: FieldErrors, path: string, v: unknown, opts: { required?: boolean } = {}): JsonObject | undefined {
  if (v === undefined || v === null) {
    if (opts.required) fe.required(path);
    return undefined;
  }
  if (!isObject(v)) {
    fe.typeInvalid(path, v, 'an object');
    return undefined;
  }
  return v;
}

export function checkArray(fe: FieldErrors, path: string, v: unknown, opts: { required?: boolean } = {}): unknown[] | undefined {
  if (v === undefined || v === null) {
    if (opts.required) fe.required(path);
    return undefined;
  }
  if (!Array.isArray(v)) {
    fe.typeInvalid(path, v, 'an array');
    return undefined;
  }
  return v;
}

export function checkString(fe: FieldErrors, path: string, v: unknown, opts: { required?: boolean } = {}): string | undefined {
  if (v === undefined || v === null || (v === '' && opts.required)) {
    if (opts.required) fe.required(path);
    return undefined;
  }
  if (typeof v !== 'string') {
    fe.typeInvalid(path, v, 'a string');
    return undefined;
  }
  return v;
}

export function checkBoolean(fe: FieldErrors, path: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    fe.typeInvalid(path, v, 'a boolean');
    return undefined;
  }
  return v;
}

/** An integer within [min, max] (int32 unless told otherwise). */
export function checkInteger(
  fe: FieldErrors,
  path: string,
  v: unknown,
  opts: { required?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (v === undefined || v === null) {
    if (opts.required) fe.required(path);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v)) {
    fe.typeInvalid(path, v, 'an integer');
    return undefined;
  }
  const min = opts.min ?? INT32_MIN;
  const max = opts.max ?? INT32_MAX;
  if (v < min) {
    fe.invalid(path, v, min === 0 ? 'must be greater than or equal to 0' : `must be greater than or equal to ${min}`);
    return undefined;
  }
  if (v > max) {
    fe.invalid(path, v, `must be less than or equal to ${max}`);
    return undefined;
  }
  return v;
}

export function checkEnum<T extends string>(
  fe: FieldErrors,
  path: string,
  v: unknown,
  allowed: readonly T[],
  opts: { required?: boolean } = {},
): T | undefined {
  if (v === undefined || v === null || v === '') {
    if (opts.required) fe.required(path);
    return undefined;
  }
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fe.notSupported(path, v, allowed);
    return undefined;
  }
  return v as T;
}

/** A map of strings to strings (labels, nodeSelector, ...). */
export function checkStringMap(fe: FieldErrors, path: string, v: unknown): Record<string, string> | undefined {
  const o = checkObject(fe, path, v);
  if (!o) return undefined;
  let ok = true;
  for (const key of Object.keys(o)) {
    const value = Object.getOwnPropertyDescriptor(o, key)?.value as unknown;
    if (typeof value !== 'string') {
      fe.typeInvalid(`${path}[${key}]`, value, 'a string');
      ok = false;
    }
  }
  return ok ? (o as Record<string, string>) : undefined;
}

/** An array of strings; returns only the string members. */
export function checkStringArray(fe: FieldErrors, path: string, v: unknown, opts: { required?: boolean } = {}): string[] | undefined {
  const arr = checkArray(fe, path, v, opts);
  if (!arr) return undefined;
  const out: string[] = [];
  arr.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else fe.typeInvalid(indexPath(path, i), item, 'a string');
  });
  return out;
}
