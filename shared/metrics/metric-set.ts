/**
 * The metric families of one process, in a registry of its own (never prom-client's global one).
 *
 * Two kinds of family are kept apart so the lint-clean part can be proven and served on its own:
 *   - `core`: every `caldera_*` family and the Volcano names that already follow Prometheus naming;
 *     `promtool check metrics` passes on `coreRegistry` with no problem at all;
 *   - `volcano-compat`: Volcano names that existing dashboards query but that promtool's lint rejects
 *     (`_milliseconds`, gauges ending in `_count`, counters without `_total`). Each has a lint-clean
 *     twin in `core` carrying the same information, listed in the process's compat table.
 * `registry` holds both and is what `/metrics` serves; with `volcanoCompat: false` it holds `core` only
 * (the compat objects still exist, so callers never branch, but nothing exports them).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type MetricFamilyKind =
  | 'core' // passes promtool's lint
  | 'volcano-compat'; // a Volcano name kept for dashboards; promtool's lint flags it

export interface MetricRegistries {
  /** everything this process serves on /metrics */
  readonly registry: Registry;
  /** the families that pass `promtool check metrics` */
  readonly coreRegistry: Registry;
  /** the Volcano-named families promtool's lint flags (registered in `registry` too unless disabled) */
  readonly volcanoCompatRegistry: Registry;
}

/** A Volcano family whose name promtool's lint rejects, and the core family that carries the same data. */
export interface VolcanoCompatFamily {
  name: string;
  twin: string;
  /** what promtool 2.x prints about the name, one entry per problem */
  lint: readonly string[];
}

interface FamilyConfig<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  kind?: MetricFamilyKind;
}

export interface MetricSetOptions {
  /** serve the Volcano names that promtool's lint flags (default true) */
  volcanoCompat?: boolean;
  /** labels added to every sample, e.g. `{ cluster: 'a' }` on an agent */
  defaultLabels?: Readonly<Record<string, string>>;
}

export class MetricSet implements MetricRegistries {
  readonly registry = new Registry();
  readonly coreRegistry = new Registry();
  readonly volcanoCompatRegistry = new Registry();
  private readonly volcanoCompat: boolean;

  constructor(opts: MetricSetOptions = {}) {
    this.volcanoCompat = opts.volcanoCompat ?? true;
    if (opts.defaultLabels && Object.keys(opts.defaultLabels).length > 0) {
      for (const r of [this.registry, this.coreRegistry, this.volcanoCompatRegistry]) r.setDefaultLabels({ ...opts.defaultLabels });
    }
  }

  gauge<L extends string = never>(cfg: FamilyConfig<L> & { collect?: (this: Gauge<L>) => void | Promise<void> }): Gauge<L> {
    return new Gauge<L>({ ...this.base(cfg), ...(cfg.collect ? { collect: cfg.collect } : {}) });
  }

  counter<L extends string = never>(cfg: FamilyConfig<L>): Counter<L> {
    return new Counter<L>(this.base(cfg));
  }

  histogram<L extends string = never>(cfg: FamilyConfig<L> & { buckets: readonly number[] }): Histogram<L> {
    return new Histogram<L>({ ...this.base(cfg), buckets: [...cfg.buckets] });
  }

  /**
   * prom-client's process and Node.js runtime families (`process_*`, `nodejs_*`), in both registries,
   * without the three gauges named `_total` that promtool's lint rejects (their per-type siblings
   * `nodejs_active_handles{type}` and so on carry the same numbers).
   */
  addProcessMetrics(): void {
    collectDefaultMetrics({ register: this.coreRegistry });
    for (const name of LINT_FAILING_RUNTIME_GAUGES) this.coreRegistry.removeSingleMetric(name);
    for (const { name } of this.coreRegistry.getMetricsAsArray()) {
      const metric = this.coreRegistry.getSingleMetric(name);
      if (metric && !this.registry.getSingleMetric(name)) this.registry.registerMetric(metric);
    }
  }

  private base<L extends string>(cfg: FamilyConfig<L>): { name: string; help: string; labelNames: L[]; registers: Registry[] } {
    const kind = cfg.kind ?? 'core';
    const registers = kind === 'core'
      ? [this.registry, this.coreRegistry]
      : this.volcanoCompat ? [this.registry, this.volcanoCompatRegistry] : [this.volcanoCompatRegistry];
    return { name: cfg.name, help: cfg.help, labelNames: [...(cfg.labelNames ?? [])], registers };
  }
}

const LINT_FAILING_RUNTIME_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/**
 * `count` bucket bounds from `min` to `max` growing by a constant factor, rounded to four significant
 * digits so the `le` labels stay readable.
 */
export function exponentialBucketsRange(opts: { min: number; max: number; count: number }): number[] {
  const { min, max, count } = opts;
  if (!(min > 0) || !(max > min) || !Number.isInteger(count) || count < 2) {
    throw new RangeError(`exponentialBucketsRange needs 0 < min < max and count ≥ 2, got ${min}, ${max}, ${count}`);
  }
  const factor = Math.pow(max / min, 1 / (count - 1));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((min * Math.pow(factor, i)).toPrecision(4)));
  return out;
}

/** Bounds for durations of work that takes milliseconds to seconds (API requests, cycles), in seconds. */
export const FAST_SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
