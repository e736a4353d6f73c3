/**
 * Collects field-level violations in Kubernetes' shape: a path such as `spec.tasks[1].minAvailable`,
 * a reason such as `FieldValueInvalid`, and a message in the wording Kubernetes uses
 * (`Invalid value: 5: must be ...`). Every rule adds to one collector, so a response lists all
 * violations, not just the first.
 */
import type { StatusCause } from '../errors/status.js';

export type FieldErrorReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueNotFound';

/** `base.name`, or `name` at the root. */
export function childPath(base: string, name: string): string {
  return base === '' ? name : `${base}.${name}`;
}

/** `base[i]`. */
export function indexPath(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** `base[key]`, the Kubernetes form for a map key. */
export function keyPath(base: string, key: string): string {
  return `${base}[${key}]`;
}

const MAX_RENDERED_VALUE = 120;

/** A short, never-throwing rendering of an offending value: strings quoted, the rest as JSON. */
export function renderValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'null';
  else if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'function' || typeof value === 'symbol') text = `<${typeof value}>`;
  else if (typeof value === 'object' && value !== null) text = Array.isArray(value) ? '<array>' : '<object>';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = '<unprintable>';
    }
    if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  }
  return text.length > MAX_RENDERED_VALUE ? `${text.slice(0, MAX_RENDERED_VALUE)}...` : text;
}

export class FieldErrors {
  readonly causes: StatusCause[] = [];

  get empty(): boolean {
    return this.causes.length === 0;
  }

  add(field: string, reason: FieldErrorReason, message: string): void {
    this.causes.push({ field, reason, message });
  }

  required(field: string, detail?: string): void {
    this.add(field, 'FieldValueRequired', detail ? `Required value: ${detail}` : 'Required value');
  }

  invalid(field: string, value: unknown, detail: string): void {
    this.add(field, 'FieldValueInvalid', `Invalid value: ${renderValue(value)}: ${detail}`);
  }

  /** The value has the wrong JSON type (a string where an integer belongs, an array for an object, ...). */
  typeInvalid(field: string, value: unknown, expected: string): void {
    this.add(field, 'FieldValueTypeInvalid', `Invalid value: ${renderValue(value)}: must be ${expected}`);
  }

  duplicate(field: string, value: unknown): void {
    this.add(field, 'FieldValueDuplicate', `Duplicate value: ${renderValue(value)}`);
  }

  notSupported(field: string, value: unknown, supported: readonly string[]): void {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    this.add(field, 'FieldValueNotSupported', `Unsupported value: ${renderValue(value)}: supported values: ${list}`);
  }

  forbidden(field: string, detail: string): void {
    this.add(field, 'FieldValueForbidden', `Forbidden: ${detail}`);
  }

  tooLong(field: string, value: unknown, max: number): void {
    this.add(field, 'FieldValueTooLong', `Too long: ${renderValue(value)}: may not be more than ${max} characters`);
  }

  notFound(field: string, value: unknown, detail?: string): void {
    this.add(field, 'FieldValueNotFound', `Not found: ${renderValue(value)}${detail ? `: ${detail}` : ''}`);
  }
}
