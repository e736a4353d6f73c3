// Kubernetes resource quantities ("100m", "1.5Gi", "1e3") parsed into exact integers.
//
// A quantity is kept as a BigInt count of nano-units plus the notation it was written in, which is
// what Kubernetes keeps too: values finer than 1n are rounded away from zero on parse ("0.1n" is
// "1n"), and the notation decides the canonical text (DecimalSI "1500m", BinarySI "2Gi",
// DecimalExponent "12e6"). Callers only ever see safe JavaScript integers: a quantity whose whole
// value exceeds Number.MAX_SAFE_INTEGER is rejected with a QuantityError.

import { resourceUnit } from './resource-units.js';

/** The notation a quantity was written in; it decides how the quantity is printed back. */
export type QuantityFormat =
  | 'DecimalSI' // no suffix or one of n u m k M G T P E
  | 'BinarySI' // one of Ki Mi Gi Ti Pi Ei
  | 'DecimalExponent'; // e<int> or E<int>

export class QuantityError extends Error {
  readonly input: unknown;
  constructor(message: string, input: unknown) {
    super(message);
    this.name = 'QuantityError';
    this.input = input;
  }
}

const NANO_PER_UNIT = 1_000_000_000n;
const NANO_PER_MILLI = 1_000_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Power of ten of each decimal suffix. */
const DECIMAL_SUFFIXES: Readonly<Record<string, number>> = {
  n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18,
};
const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map(
  Object.entries(DECIMAL_SUFFIXES).map(([suffix, exp]) => [exp, suffix]),
);
/** Power of two of each binary suffix. */
const BINARY_SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60,
};
const BINARY_SUFFIX_BY_POWER: readonly string[] = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

// sign, integer digits, optional fraction, suffix (checked separately so errors can say which part is wrong)
const QUANTITY_SHAPE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;
const EXPONENT_SUFFIX = /^[eE]([+-]?[0-9]{1,9})$/;

/** Division of a non-negative numerator that rounds up. */
function ceilDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : q + 1n;
}

/** Division that rounds away from zero, as Kubernetes' Value and MilliValue do. */
function divAwayFromZero(n: bigint, d: bigint): bigint {
  return n < 0n ? -ceilDiv(-n, d) : ceilDiv(n, d);
}

function pow10(exp: number): bigint {
  return 10n ** BigInt(exp);
}

/** An exact quantity. Immutable. */
export class Quantity {
  /** Exact value in nano-units (value × 10^9). */
  readonly nanoValue: bigint;
  readonly format: QuantityFormat;
  private readonly units: number;
  private readonly millis: number; // NaN when it does not fit a safe integer
  private text: string | undefined;

  private constructor(nanoValue: bigint, format: QuantityFormat) {
    const units = divAwayFromZero(nanoValue, NANO_PER_UNIT);
    if (units > MAX_SAFE || units < -MAX_SAFE) {
      throw new QuantityError(
        `quantity ${nanoValue / NANO_PER_UNIT} is outside the supported range ±${Number.MAX_SAFE_INTEGER}`,
        nanoValue,
      );
    }
    this.nanoValue = nanoValue;
    this.format = format;
    this.units = Number(units);
    const millis = divAwayFromZero(nanoValue, NANO_PER_MILLI);
    this.millis = millis > MAX_SAFE || millis < -MAX_SAFE ? Number.NaN : Number(millis);
  }

  /** A quantity of `nano` billionths; throws QuantityError beyond the safe integer range. */
  static fromNano(nano: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nano, normalizeFormat(nano, format));
  }

  /** A quantity of `milli` thousandths (e.g. milli-cores). */
  static fromMilli(milli: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromNano(safeBigInt(milli) * NANO_PER_MILLI, format);
  }

  /** A quantity of `value` whole units (e.g. bytes). */
  static fromValue(value: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return Quantity.fromNano(safeBigInt(value) * NANO_PER_UNIT, format);
  }

  /** The value in thousandths, rounded up in magnitude (Kubernetes MilliValue): "0.1m" → 1. */
  milliValue(): number {
    if (Number.isNaN(this.millis)) {
      throw new QuantityError(`quantity ${this.toString()} is too large to count in thousandths`, this.toString());
    }
    return this.millis;
  }

  /** The value in whole units, rounded up in magnitude (Kubernetes Value): "1.2" → 2, "-1.2" → -2. */
  value(): number {
    return this.units;
  }

  sign(): -1 | 0 | 1 {
    return this.nanoValue > 0n ? 1 : this.nanoValue < 0n ? -1 : 0;
  }

  isZero(): boolean {
    return this.nanoValue === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanoValue < other.nanoValue ? -1 : this.nanoValue > other.nanoValue ? 1 : 0;
  }

  equals(other: Quantity): boolean {
    return this.nanoValue === other.nanoValue;
  }

  /** The canonical Kubernetes text: no fraction, the largest suffix that loses nothing. */
  toString(): string {
    this.text ??= canonicalText(this.nanoValue, this.format);
    return this.text;
  }

  toJSON(): string {
    return this.toString();
  }
}

function safeBigInt(n: number): bigint {
  if (!Number.isSafeInteger(n)) {
    throw new QuantityError(`amount ${n} is not a safe integer`, n);
  }
  return BigInt(n);
}

function normalizeFormat(nano: bigint, format: QuantityFormat): QuantityFormat {
  // A binary quantity strictly between -1 and 1 cannot be written in binary suffixes.
  if (format === 'BinarySI' && nano !== 0n && nano < NANO_PER_UNIT && nano > -NANO_PER_UNIT) return 'DecimalSI';
  return format;
}

function canonicalText(nano: bigint, format: QuantityFormat): string {
  if (nano === 0n) return '0';
  if (format === 'BinarySI' && nano > -1024n * NANO_PER_UNIT && nano < 1024n * NANO_PER_UNIT) {
    format = 'DecimalSI';
  }
  if (format === 'BinarySI' && nano % NANO_PER_UNIT !== 0n) {
    format = 'DecimalSI'; // a fraction cannot be shown with a binary suffix without losing it
  }
  if (format === 'BinarySI') {
    let mantissa = nano / NANO_PER_UNIT;
    let power = 0;
    while ((mantissa >= 1024n || mantissa <= -1024n) && mantissa % 1024n === 0n && power < BINARY_SUFFIX_BY_POWER.length - 1) {
      mantissa /= 1024n;
      power++;
    }
    return `${mantissa}${BINARY_SUFFIX_BY_POWER[power] ?? ''}`;
  }
  let mantissa = nano;
  let exponent = -9;
  while ((mantissa >= 10n || mantissa <= -10n) && mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

function describe(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : String(input);
}

function fail(input: unknown, why: string): never {
  throw new QuantityError(`invalid quantity ${describe(input)}: ${why}`, input);
}

function parseText(input: unknown, text: string): Quantity {
  if (text === '') fail(input, 'empty string');
  const shape = QUANTITY_SHAPE.exec(text);
  if (shape === null) fail(input, 'must be a number with an optional suffix');
  const [, sign = '', whole = '', fraction = '', suffix = ''] = shape;
  if (whole === '' && fraction === '') fail(input, 'must start with a digit, "+", "-" or "."');

  let format: QuantityFormat;
  let base: 2 | 10;
  let exponent: number;
  const decimal = DECIMAL_SUFFIXES[suffix];
  const binary = BINARY_SUFFIXES[suffix];
  if (decimal !== undefined) {
    format = 'DecimalSI';
    base = 10;
    exponent = decimal;
  } else if (binary !== undefined) {
    format = 'BinarySI';
    base = 2;
    exponent = binary;
  } else {
    const exp = EXPONENT_SUFFIX.exec(suffix);
    if (exp === null) {
      fail(input, `unknown suffix ${JSON.stringify(suffix)} (expected n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or e<integer>)`);
    }
    format = 'DecimalExponent';
    base = 10;
    exponent = Number(exp[1]);
  }

  const digits = (whole + fraction).replace(/^0+/, '');
  let nano = 0n;
  if (digits !== '') {
    const mantissa = BigInt(digits);
    if (base === 2) {
      const scaled = mantissa << BigInt(exponent);
      const shift = 9 - fraction.length;
      nano = shift >= 0 ? scaled * pow10(shift) : ceilDiv(scaled, pow10(-shift));
    } else {
      const shift = exponent + 9 - fraction.length;
      if (shift >= 0) {
        // 10^16 units is past the safe range; anything bigger is rejected without building it
        if (digits.length + shift > 16 + 9 + 1) fail(input, `larger than ${Number.MAX_SAFE_INTEGER}`);
        nano = mantissa * pow10(shift);
      } else if (-shift >= digits.length) {
        nano = 1n; // below one nano-unit: rounded up to the smallest representable amount
      } else {
        nano = ceilDiv(mantissa, pow10(-shift));
      }
    }
  }
  if (sign === '-') nano = -nano;
  const units = divAwayFromZero(nano, NANO_PER_UNIT);
  if (units > MAX_SAFE || units < -MAX_SAFE) fail(input, `larger than ${Number.MAX_SAFE_INTEGER} in magnitude`);
  return Quantity.fromNano(nano, format);
}

// Requests repeat the same few strings across thousands of pods; quantities are immutable, so
// parsed ones are shared. The memo is dropped whole when it grows, which keeps it bounded.
const MEMO_LIMIT = 4096;
const memo = new Map<string, Quantity>();

/** Parses a Kubernetes quantity (string, or a JSON number such as 4 or 0.5). Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else if (typeof input === 'number') {
    if (!Number.isFinite(input)) fail(input, 'must be a finite number');
    text = String(input);
  } else {
    throw new QuantityError(`invalid quantity ${describe(input)}: must be a string or a number`, input);
  }
  const known = memo.get(text);
  if (known !== undefined) return known;
  const parsed = parseText(input, text);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(text, parsed);
  return parsed;
}

/** True when `x` is a string or number that parses as a quantity in the supported range. */
export function isValidQuantity(x: unknown): boolean {
  if (typeof x !== 'string' && typeof x !== 'number') return false;
  try {
    parseQuantity(x);
    return true;
  } catch (err) {
    if (err instanceof QuantityError) return false;
    throw err;
  }
}

/**
 * The canonical text of an integer amount as a ResourceVector keeps it for `resourceName`:
 * cpu milli-cores ("1500" → "1500m", "2000" → "2"), bytes in whichever of binary or decimal
 * suffixes is shorter ("1073741824" → "1Gi", "1000000000" → "1G"), other resources as plain counts.
 */
export function formatQuantity(amount: number, resourceName: string): string {
  switch (resourceUnit(resourceName)) {
    case 'milli':
      return Quantity.fromMilli(amount).toString();
    case 'bytes': {
      const binary = Quantity.fromValue(amount, 'BinarySI').toString();
      const decimal = Quantity.fromValue(amount, 'DecimalSI').toString();
      return decimal.length < binary.length ? decimal : binary;
    }
    case 'units':
      return Quantity.fromValue(amount).toString();
  }
}
