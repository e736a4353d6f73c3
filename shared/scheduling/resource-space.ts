// Dense resource bookkeeping for one session.
//
// Every resource name seen in the snapshot gets a dimension index (cpu 0, memory 1, others
// sorted by name); node and job amounts live in Float64Arrays indexed by those dimensions. The
// scheduler's inner loops compare and add these arrays in place instead of building immutable
// vectors. `pods` is not a dimension: it becomes the node's pod count limit.

import { ResourceVector } from '../resources/resource-vector.js';
import { CPU, MEMORY, PODS } from '../resources/resource-units.js';

const NO_EXTRA: readonly string[] = Object.freeze([]);
/** Per vector (vectors are immutable): its dimension names other than cpu, memory and pods. */
const extraNames = new WeakMap<ResourceVector, readonly string[]>();

function extraNamesOf(v: ResourceVector): readonly string[] {
  let extra = extraNames.get(v);
  if (extra === undefined) {
    const list = v.names().filter((n) => n !== CPU && n !== MEMORY && n !== PODS);
    extra = list.length === 0 ? NO_EXTRA : list;
    extraNames.set(v, extra);
  }
  return extra;
}

/**
 * Dense forms of vectors, shared by every space with the same dimensions (vectors are immutable
 * and a snapshot's vectors mostly outlive one cycle): per vector, the space signature it was made
 * for and the array.
 */
const denseCache = new WeakMap<ResourceVector, { signature: string; dense: Float64Array }>();

export class ResourceSpace {
  readonly names: readonly string[];
  /** The dimension names joined: spaces with equal signatures lay vectors out alike. */
  readonly signature: string;
  private readonly index: ReadonlyMap<string, number>;

  constructor(names: Iterable<string>) {
    const others = new Set<string>();
    for (const n of names) if (n !== CPU && n !== MEMORY && n !== PODS) others.add(n);
    this.names = Object.freeze([CPU, MEMORY, ...[...others].sort()]);
    this.signature = this.names.join('\u0000');
    this.index = new Map(this.names.map((n, i) => [n, i]));
  }

  /** Every dimension name (other than cpu, memory and pods) of `v`; cached per vector. */
  static extraNames(v: ResourceVector): readonly string[] {
    return extraNamesOf(v);
  }

  /** Collects every dimension name of the given vectors. */
  static of(vectors: Iterable<ResourceVector | undefined>): ResourceSpace {
    const names = new Set<string>();
    for (const v of vectors) {
      if (v === undefined) continue;
      const extra = extraNamesOf(v);
      for (let i = 0; i < extra.length; i++) names.add(extra[i] as string);
    }
    return new ResourceSpace(names);
  }

  get size(): number {
    return this.names.length;
  }

  /** Dimension index of `name`, or -1 when no vector in the session has it. */
  dim(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /** A dense copy of `v` (shared per vector object and space signature: treat it as read-only). */
  dense(v: ResourceVector | undefined): Float64Array {
    if (v === undefined) return new Float64Array(this.names.length);
    const cached = denseCache.get(v);
    if (cached !== undefined && cached.signature === this.signature) return cached.dense;
    const out = new Float64Array(this.names.length);
    out[0] = v.cpu;
    out[1] = v.memory;
    for (let d = 2; d < this.names.length; d++) out[d] = v.get(this.names[d] as string);
    denseCache.set(v, { signature: this.signature, dense: out });
    return out;
  }

  /** A ResourceVector of the dense amounts (fractions rounded down, zero dimensions past memory left out). */
  toVector(a: ArrayLike<number>, offset = 0): ResourceVector {
    const rec: Record<string, number> = {};
    for (let d = 0; d < this.names.length; d++) {
      const v = Math.max(0, Math.floor(a[offset + d] ?? 0));
      if (d < 2 || v !== 0) rec[this.names[d] as string] = v;
    }
    return ResourceVector.fromAmounts(rec);
  }
}

/** Every dimension of `a` ≤ `b` (for the dimensions where `a` is non-zero). */
export function denseFits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  for (let d = 0; d < a.length; d++) {
    const x = a[d] as number;
    if (x > 0 && x > (b[d] as number)) return false;
  }
  return true;
}

/** `target += source * sign`, in place. */
export function denseAdd(target: Float64Array, source: ArrayLike<number>, sign = 1, targetOffset = 0): void {
  for (let d = 0; d < source.length; d++) target[targetOffset + d] = (target[targetOffset + d] as number) + sign * (source[d] as number);
}

/** max over dimensions of a[d] / total[d]; a dimension with total 0 counts as 1 when a needs some. */
export function denseDominantShare(a: ArrayLike<number>, total: ArrayLike<number>): number {
  let share = 0;
  for (let d = 0; d < a.length; d++) {
    const x = a[d] as number;
    if (x <= 0) continue;
    const t = total[d] as number;
    const s = t <= 0 ? 1 : x / t;
    if (s > share) share = s;
  }
  return share;
}
