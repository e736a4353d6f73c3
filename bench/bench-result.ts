/** What every benchmark module returns; `bench/run.ts` prints one JSON line per result. */
export interface BenchTarget {
  value: number;
  min?: number;
  max?: number;
  met: boolean;
}

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  baseline?: Record<string, number>;
  ratios?: Record<string, number>;
  targets?: Record<string, BenchTarget>;
}

export interface BenchOptions {
  /** a tenth of the size, for a smoke run */
  quick?: boolean;
}

export type BenchModule = { run(opts: BenchOptions): Promise<BenchResult> };

/** Builds a target entry from a measured value and its bound. */
export function target(value: number, bound: { min?: number; max?: number }): BenchTarget {
  const met = (bound.min === undefined || value >= bound.min) && (bound.max === undefined || value <= bound.max);
  return { value, ...bound, met };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}
