// Immutable vectors of exact integer resource amounts.
//
// cpu is counted in milli-cores, memory, ephemeral-storage and hugepages-* in bytes, everything
// else in whole units (see amountOf). The scheduler adds, subtracts and compares these for every
// pod on every candidate node, so cpu and memory are plain number fields and the remaining
// ("extended") dimensions live in two small parallel arrays sorted by name; a vector without
// extended dimensions is compared with two number comparisons.
//
// A vector remembers which dimensions were given, even with amount 0: `lessEqual` with
// `missing: 'infinity'` treats an absent dimension as unlimited but a given 0 as none. Arithmetic
// keeps the union of both operands' dimensions. Equality compares amounts only (absent = 0).

import { Quantity, QuantityError, formatQuantity, parseQuantity } from './quantity.js';
import { CPU, MEMORY, resourceUnit } from './resource-units.js';

export { CPU, MEMORY } from './resource-units.js';

/** Thrown when a vector operation would produce an amount that is negative or not a safe integer. */
export class ResourceVectorError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceVectorError';
  }
}

/**
 * The integer amount a ResourceVector keeps for `quantity` of resource `name`: cpu in milli-cores,
 * byte-counted resources in bytes, other resources in whole units; fractions round up.
 */
export function amountOf(name: string, quantity: Quantity | string | number): number {
  const q = quantity instanceof Quantity ? quantity : parseQuantity(quantity);
  return resourceUnit(name) === 'milli' ? q.milliValue() : q.value();
}

export interface LessEqualOptions {
  /** How a dimension absent from the right-hand vector is read: as 0 or as unlimited. */
  missing: 'zero' | 'infinity';
}

export interface ScaleOptions {
  /** How fractional products become integers; default 'floor'. */
  rounding?: 'floor' | 'ceil' | 'round';
}

const CPU_BIT = 1;
const MEMORY_BIT = 2;
const MAX = Number.MAX_SAFE_INTEGER;
const NO_NAMES: readonly string[] = Object.freeze([]);
const NO_VALUES: readonly number[] = Object.freeze([]);

type Combine = (left: number, right: number, name: string) => number;

function checkedAmount(name: string, amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new ResourceVectorError(`amount of ${name} must be a non-negative safe integer, got ${amount}`);
  }
  return amount;
}

function overflow(name: string): never {
  throw new ResourceVectorError(`amount of ${name} exceeds ${MAX}`);
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The amount of `name` in a sorted extended list, 0 when absent. */
function lookup(names: readonly string[], values: readonly number[], name: string): number {
  for (let i = 0; i < names.length; i++) {
    if (names[i] === name) return values[i] ?? 0;
  }
  return 0;
}

function indexOf(names: readonly string[], name: string): number {
  for (let i = 0; i < names.length; i++) if (names[i] === name) return i;
  return -1;
}

export class ResourceVector {
  /** Milli-cores. */
  readonly cpu: number;
  /** Bytes. */
  readonly memory: number;
  private readonly given: number;
  private readonly extNames: readonly string[];
  private readonly extValues: readonly number[];

  private constructor(
    cpu: number,
    memory: number,
    given: number,
    extNames: readonly string[],
    extValues: readonly number[],
  ) {
    this.cpu = cpu;
    this.memory = memory;
    this.given = given;
    this.extNames = extNames;
    this.extValues = extValues;
  }

  private static readonly EMPTY = new ResourceVector(0, 0, 0, NO_NAMES, NO_VALUES);

  static empty(): ResourceVector {
    return ResourceVector.EMPTY;
  }

  /** From exact amounts (milli-cores, bytes, units); each must be a non-negative safe integer. */
  static fromAmounts(rec: Readonly<Record<string, number>>): ResourceVector {
    let cpu = 0;
    let memory = 0;
    let given = 0;
    const ext: [string, number][] = [];
    for (const name of Object.keys(rec)) {
      const amount = checkedAmount(name, rec[name] as number);
      if (name === CPU) {
        cpu = amount;
        given |= CPU_BIT;
      } else if (name === MEMORY) {
        memory = amount;
        given |= MEMORY_BIT;
      } else {
        ext.push([name, amount]);
      }
    }
    return ResourceVector.build(cpu, memory, given, ext);
  }

  /** From Kubernetes quantities, e.g. `{ cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': 1 }`. */
  static fromQuantities(rec: Readonly<Record<string, string | number>>): ResourceVector {
    const amounts: Record<string, number> = {};
    for (const name of Object.keys(rec)) {
      const amount = amountOf(name, rec[name] as string | number);
      if (amount < 0) throw new QuantityError(`quantity of ${name} must not be negative, got ${String(rec[name])}`, rec[name]);
      amounts[name] = amount;
    }
    return ResourceVector.fromAmounts(amounts);
  }

  private static build(cpu: number, memory: number, given: number, ext: [string, number][]): ResourceVector {
    if (ext.length === 0) {
      return given === 0 && cpu === 0 && memory === 0 ? ResourceVector.EMPTY : new ResourceVector(cpu, memory, given, NO_NAMES, NO_VALUES);
    }
    ext.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return new ResourceVector(cpu, memory, given, ext.map((e) => e[0]), ext.map((e) => e[1]));
  }

  /** The amount of `name` (0 when absent). */
  get(name: string): number {
    if (name === CPU) return this.cpu;
    if (name === MEMORY) return this.memory;
    return lookup(this.extNames, this.extValues, name);
  }

  /** True when `name` was given or produced by arithmetic, even with amount 0. */
  has(name: string): boolean {
    if (name === CPU) return (this.given & CPU_BIT) !== 0 || this.cpu !== 0;
    if (name === MEMORY) return (this.given & MEMORY_BIT) !== 0 || this.memory !== 0;
    return indexOf(this.extNames, name) >= 0;
  }

  /** The dimensions this vector has: cpu, memory, then the others by name. */
  names(): string[] {
    const out: string[] = [];
    if (this.has(CPU)) out.push(CPU);
    if (this.has(MEMORY)) out.push(MEMORY);
    for (const name of this.extNames) out.push(name);
    return out;
  }

  /** A copy with `name` set to `amount`. */
  with(name: string, amount: number): ResourceVector {
    checkedAmount(name, amount);
    if (name === CPU) return new ResourceVector(amount, this.memory, this.given | CPU_BIT, this.extNames, this.extValues);
    if (name === MEMORY) return new ResourceVector(this.cpu, amount, this.given | MEMORY_BIT, this.extNames, this.extValues);
    const ext: [string, number][] = this.extNames.map((n, i) => [n, this.extValues[i] ?? 0]);
    const at = indexOf(this.extNames, name);
    if (at >= 0) ext[at] = [name, amount];
    else ext.push([name, amount]);
    return ResourceVector.build(this.cpu, this.memory, this.given, ext);
  }

  add(o: ResourceVector): ResourceVector {
    const cpu = this.cpu + o.cpu;
    const memory = this.memory + o.memory;
    if (cpu > MAX) overflow(CPU);
    if (memory > MAX) overflow(MEMORY);
    return this.combine(o, cpu, memory, addAmounts);
  }

  /** this − o; throws ResourceVectorError if any dimension would go negative. */
  sub(o: ResourceVector): ResourceVector {
    const cpu = this.cpu - o.cpu;
    const memory = this.memory - o.memory;
    if (cpu < 0) shortfall(CPU, this.cpu, o.cpu);
    if (memory < 0) shortfall(MEMORY, this.memory, o.memory);
    return this.combine(o, cpu, memory, subAmounts);
  }

  /** this − o with every dimension floored at 0. */
  subClamped(o: ResourceVector): ResourceVector {
    const cpu = this.cpu > o.cpu ? this.cpu - o.cpu : 0;
    const memory = this.memory > o.memory ? this.memory - o.memory : 0;
    return this.combine(o, cpu, memory, subClampedAmounts);
  }

  /** Every dimension of this ≤ the same dimension of o; a dimension absent from o counts as 0. */
  fits(o: ResourceVector): boolean {
    if (this.cpu > o.cpu || this.memory > o.memory) return false;
    if (this.extNames.length === 0) return true;
    return this.extLessEqual(o, false);
  }

  /** Like fits, but a dimension absent from o can be read as unlimited. */
  lessEqual(o: ResourceVector, opts: LessEqualOptions): boolean {
    const infinite = opts.missing === 'infinity';
    if (this.cpu > o.cpu && !(infinite && !o.has(CPU))) return false;
    if (this.memory > o.memory && !(infinite && !o.has(MEMORY))) return false;
    if (this.extNames.length === 0) return true;
    return this.extLessEqual(o, infinite);
  }

  /** Per-dimension minimum (absent = 0). */
  min(o: ResourceVector): ResourceVector {
    return this.combine(o, Math.min(this.cpu, o.cpu), Math.min(this.memory, o.memory), minAmounts);
  }

  /** Per-dimension maximum (absent = 0). */
  max(o: ResourceVector): ResourceVector {
    return this.combine(o, Math.max(this.cpu, o.cpu), Math.max(this.memory, o.memory), maxAmounts);
  }

  /** Every amount multiplied by f ≥ 0, rounded down unless told otherwise. */
  scale(f: number, opts: ScaleOptions = {}): ResourceVector {
    if (!Number.isFinite(f) || f < 0) throw new ResourceVectorError(`scale factor must be a finite non-negative number, got ${f}`);
    const round = opts.rounding === 'ceil' ? Math.ceil : opts.rounding === 'round' ? Math.round : Math.floor;
    const scaled = (name: string, amount: number): number => {
      const v = round(amount * f);
      return v > MAX ? overflow(name) : v;
    };
    return new ResourceVector(
      scaled(CPU, this.cpu),
      scaled(MEMORY, this.memory),
      this.given,
      this.extNames,
      this.extValues.map((v, i) => scaled(this.extNames[i] ?? '', v)),
    );
  }

  isZero(): boolean {
    if (this.cpu !== 0 || this.memory !== 0) return false;
    for (const v of this.extValues) if (v !== 0) return false;
    return true;
  }

  /** Same amounts in every dimension (absent = 0). */
  equals(o: ResourceVector): boolean {
    if (this.cpu !== o.cpu || this.memory !== o.memory) return false;
    if (sameNames(this.extNames, o.extNames)) {
      for (let i = 0; i < this.extValues.length; i++) if (this.extValues[i] !== o.extValues[i]) return false;
      return true;
    }
    return this.extLessEqual(o, false) && o.extLessEqual(this, false);
  }

  /**
   * The largest share this vector takes of `total` over all dimensions; a dimension whose total is
   * 0 counts as a full share (1) when this needs some of it and is ignored otherwise.
   */
  dominantShare(total: ResourceVector): number {
    let share = 0;
    if (this.cpu > 0) share = Math.max(share, ratio(this.cpu, total.cpu));
    if (this.memory > 0) share = Math.max(share, ratio(this.memory, total.memory));
    for (let i = 0; i < this.extNames.length; i++) {
      const amount = this.extValues[i] ?? 0;
      if (amount > 0) share = Math.max(share, ratio(amount, total.get(this.extNames[i] ?? '')));
    }
    return share;
  }

  /** This vector's share of `total` in one dimension (same rule for a zero total as dominantShare). */
  share(name: string, total: ResourceVector | number): number {
    const amount = this.get(name);
    if (amount === 0) return 0;
    return ratio(amount, typeof total === 'number' ? total : total.get(name));
  }

  /** The part of this that o does not cover: max(0, this − o) per dimension (absent in o = 0). */
  exceededPart(o: ResourceVector): ResourceVector {
    return this.subClamped(o);
  }

  /** Exact amounts of every dimension this vector has. */
  toAmounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of this.names()) out[name] = this.get(name);
    return out;
  }

  /** Canonical Kubernetes quantities of every dimension this vector has. */
  toQuantities(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.names()) out[name] = formatQuantity(this.get(name), name);
    return out;
  }

  toJSON(): Record<string, string> {
    return this.toQuantities();
  }

  /** e.g. `cpu=1500m memory=2Gi nvidia.com/gpu=1`, or `<empty>`. */
  toString(): string {
    const parts = this.names().map((name) => `${name}=${formatQuantity(this.get(name), name)}`);
    return parts.length === 0 ? '<empty>' : parts.join(' ');
  }

  /** Extended dimensions of this ≤ those of o; absent ones of o read as 0, or unlimited if `infinite`. */
  private extLessEqual(o: ResourceVector, infinite: boolean): boolean {
    const names = this.extNames;
    const values = this.extValues;
    const oNames = o.extNames;
    const oValues = o.extValues;
    if (sameNames(names, oNames)) {
      for (let i = 0; i < values.length; i++) if ((values[i] ?? 0) > (oValues[i] ?? 0)) return false;
      return true;
    }
    // both lists are sorted: walk them together
    let j = 0;
    for (let i = 0; i < names.length; i++) {
      const amount = values[i] ?? 0;
      const name = names[i] ?? '';
      while (j < oNames.length && (oNames[j] ?? '') < name) j++;
      const present = j < oNames.length && oNames[j] === name;
      if (amount === 0) continue;
      if (!present) {
        if (infinite) continue;
        return false;
      }
      if (amount > (oValues[j] ?? 0)) return false;
    }
    return true;
  }

  /** A vector with the given cpu and memory and `op` applied to each extended dimension of either. */
  private combine(o: ResourceVector, cpu: number, memory: number, op: Combine): ResourceVector {
    const given = this.given | o.given;
    const a = this.extNames;
    const b = o.extNames;
    if (a.length === 0 && b.length === 0) return new ResourceVector(cpu, memory, given, NO_NAMES, NO_VALUES);
    const av = this.extValues;
    const bv = o.extValues;
    if (sameNames(a, b)) {
      const values = new Array<number>(a.length);
      for (let i = 0; i < a.length; i++) values[i] = op(av[i] ?? 0, bv[i] ?? 0, a[i] ?? '');
      return new ResourceVector(cpu, memory, given, a, values);
    }
    const names: string[] = [];
    const values: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const an = a[i];
      const bn = b[j];
      if (bn === undefined || (an !== undefined && an < bn)) {
        names.push(an as string);
        values.push(op(av[i] ?? 0, 0, an as string));
        i++;
      } else if (an === undefined || bn < an) {
        names.push(bn);
        values.push(op(0, bv[j] ?? 0, bn));
        j++;
      } else {
        names.push(an);
        values.push(op(av[i] ?? 0, bv[j] ?? 0, an));
        i++;
        j++;
      }
    }
    return new ResourceVector(cpu, memory, given, names, values);
  }
}

function ratio(amount: number, total: number): number {
  return total === 0 ? 1 : amount / total;
}

function shortfall(name: string, have: number, need: number): never {
  throw new ResourceVectorError(
    `cannot subtract ${formatQuantity(need, name)} of ${name} from ${formatQuantity(have, name)}`,
  );
}

const addAmounts: Combine = (l, r, name) => {
  const v = l + r;
  return v > MAX ? overflow(name) : v;
};
const subAmounts: Combine = (l, r, name) => (l < r ? shortfall(name, l, r) : l - r);
const subClampedAmounts: Combine = (l, r) => (l > r ? l - r : 0);
const minAmounts: Combine = (l, r) => (l < r ? l : r);
const maxAmounts: Combine = (l, r) => (l > r ? l : r);
