// Typed plugin and action arguments: each plugin declares the arguments it reads, configuration
// validation checks values against the declaration, and the plugin reads them through `Arguments`.

import { parseDuration } from './duration.js';

export type ArgumentType =
  | 'number' // any finite number (a numeric string is accepted)
  | 'integer' // a whole number
  | 'boolean' // true/false (the strings "true"/"false" are accepted)
  | 'string'
  | 'duration' // a Go duration such as "5m"
  | { readonly enum: readonly string[] };

export interface ArgumentSpec {
  /** Arguments by exact name. */
  readonly known?: Readonly<Record<string, ArgumentType>>;
  /** Arguments whose name starts with a prefix, e.g. `binpack.resources.` → number. */
  readonly prefixes?: Readonly<Record<string, ArgumentType>>;
  /** Volcano arguments accepted for compatibility that have no effect here. */
  readonly ignored?: readonly string[];
}

/** The type of `name` under `spec`, 'ignored', or undefined when the argument is unknown. */
export function argumentType(spec: ArgumentSpec, name: string): ArgumentType | 'ignored' | undefined {
  const exact = spec.known?.[name];
  if (exact !== undefined) return exact;
  for (const prefix in spec.prefixes ?? {}) {
    if (name.startsWith(prefix) && name.length > prefix.length) return spec.prefixes?.[prefix];
  }
  if (spec.ignored?.includes(name)) return 'ignored';
  return undefined;
}

/** Converts `value` to the declared type; returns an error message when it does not fit. */
export function coerceArgument(type: ArgumentType, value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  const got = describe(value);
  if (typeof type === 'object') {
    return typeof value === 'string' && type.enum.includes(value)
      ? { ok: true, value }
      : { ok: false, error: `expected one of ${type.enum.map((e) => `"${e}"`).join(', ')}, got ${got}` };
  }
  switch (type) {
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) return { ok: false, error: `expected a number, got ${got}` };
      if (type === 'integer' && !Number.isInteger(n)) return { ok: false, error: `expected an integer, got ${got}` };
      return { ok: true, value: n };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, error: `expected a boolean, got ${got}` };
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, error: `expected a string, got ${got}` };
    case 'duration': {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      return ms === undefined || ms < 0
        ? { ok: false, error: `expected a duration such as "5m" or "90s", got ${got}` }
        : { ok: true, value: ms };
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** Read access to validated arguments (durations are milliseconds). */
export class Arguments {
  constructor(private readonly values: Readonly<Record<string, unknown>> = {}) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  names(): string[] {
    return Object.keys(this.values);
  }

  number(name: string, fallback: number): number {
    const v = this.values[name];
    return typeof v === 'number' ? v : fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.values[name];
    return typeof v === 'boolean' ? v : fallback;
  }

  string(name: string, fallback: string): string {
    const v = this.values[name];
    return typeof v === 'string' ? v : fallback;
  }

  /** A duration argument in milliseconds. */
  duration(name: string): number | undefined {
    const v = this.values[name];
    return typeof v === 'number' ? v : undefined;
  }
}
