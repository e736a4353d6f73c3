/**
 * Volcano's per-queue scheduler gauges (`volcano_queue_*`, labelled `queue_name`), with Volcano's
 * units so its dashboards read them unchanged: CPU in milli-cores, memory in bytes, every other
 * resource as a "scalar resource" in milli-units (1 GPU = 1000), as Volcano stores them.
 */
import type { Gauge } from 'prom-client';
import type { MetricSet } from './metric-set.js';

/**
 * Resource amounts as `ResourceVector.toAmounts()` gives them: `cpu` in milli-cores, `memory`,
 * `ephemeral-storage` and `hugepages-*` in bytes, everything else in whole units.
 */
export type ResourceAmounts = Readonly<Record<string, number>>;

/** One queue's resource picture at the end of a scheduling cycle. */
export interface QueueResourceView {
  queue: string;
  weight?: number;
  /** what the queue is entitled to now (proportion plugin) */
  deserved?: ResourceAmounts;
  /** what its running and placed jobs hold */
  allocated: ResourceAmounts;
  /** what all its jobs ask for, running or not */
  request?: ResourceAmounts;
  /** `spec.capability`, when set */
  capability?: ResourceAmounts;
  /** Volcano's share; computed from allocated and deserved when absent */
  share?: number;
  /** Volcano's overused flag; computed from allocated and deserved when absent */
  overused?: boolean;
}

interface ResourceGaugeGroup {
  milliCpu: Gauge<'queue_name'>;
  memoryBytes: Gauge<'queue_name'>;
  scalarResources: Gauge<'queue_name' | 'resource'>;
}

/** Resources Volcano keeps outside its scalar map. */
const NOT_SCALAR = new Set(['cpu', 'memory', 'pods']);

export class VolcanoQueueMetrics {
  readonly allocated: ResourceGaugeGroup;
  readonly request: ResourceGaugeGroup;
  readonly deserved: ResourceGaugeGroup;
  readonly capacity: ResourceGaugeGroup;
  readonly share: Gauge<'queue_name'>;
  readonly weight: Gauge<'queue_name'>;
  readonly overused: Gauge<'queue_name'>;

  constructor(set: MetricSet) {
    const group = (what: string, help: string): ResourceGaugeGroup => ({
      milliCpu: set.gauge({ name: `volcano_queue_${what}_milli_cpu`, help: `${help}: CPU in milli-cores.`, labelNames: ['queue_name'] }),
      memoryBytes: set.gauge({ name: `volcano_queue_${what}_memory_bytes`, help: `${help}: memory in bytes.`, labelNames: ['queue_name'] }),
      scalarResources: set.gauge({
        name: `volcano_queue_${what}_scalar_resources`,
        help: `${help}: other resources in milli-units.`,
        labelNames: ['queue_name', 'resource'],
      }),
    });
    this.allocated = group('allocated', 'Resources allocated to the queue');
    this.request = group('request', 'Resources requested by all jobs of the queue');
    this.deserved = group('deserved', 'Resources the queue deserves under fair share');
    this.capacity = group('capacity', 'Capability limit of the queue');
    this.share = set.gauge({ name: 'volcano_queue_share', help: 'Share of the queue: the largest allocated/deserved ratio over its resources.', labelNames: ['queue_name'] });
    this.weight = set.gauge({ name: 'volcano_queue_weight', help: 'Weight of the queue.', labelNames: ['queue_name'] });
    this.overused = set.gauge({ name: 'volcano_queue_overused', help: 'Whether the queue holds at least what it deserves in every resource (1) or not (0).', labelNames: ['queue_name'] });
  }

  /** Replaces every queue's samples with `views`: queues absent from it disappear from the output. */
  record(views: readonly QueueResourceView[]): void {
    for (const g of this.groups()) {
      g.milliCpu.reset();
      g.memoryBytes.reset();
      g.scalarResources.reset();
    }
    this.share.reset();
    this.weight.reset();
    this.overused.reset();
    for (const v of views) {
      const queueName = v.queue;
      setGroup(this.allocated, queueName, v.allocated);
      if (v.request) setGroup(this.request, queueName, v.request);
      if (v.deserved) setGroup(this.deserved, queueName, v.deserved);
      if (v.capability) setGroup(this.capacity, queueName, v.capability);
      if (v.weight !== undefined) this.weight.set({ queue_name: queueName }, v.weight);
      const deserved = v.deserved ?? {};
      this.share.set({ queue_name: queueName }, v.share ?? volcanoShare(v.allocated, deserved));
      this.overused.set({ queue_name: queueName }, (v.overused ?? volcanoOverused(v.allocated, deserved)) ? 1 : 0);
    }
  }

  private groups(): ResourceGaugeGroup[] {
    return [this.allocated, this.request, this.deserved, this.capacity];
  }
}

function setGroup(g: ResourceGaugeGroup, queueName: string, amounts: ResourceAmounts): void {
  g.milliCpu.set({ queue_name: queueName }, amounts.cpu ?? 0);
  g.memoryBytes.set({ queue_name: queueName }, amounts.memory ?? 0);
  for (const [resource, amount] of Object.entries(amounts)) {
    if (NOT_SCALAR.has(resource)) continue;
    g.scalarResources.set({ queue_name: queueName, resource }, amount * 1000);
  }
}

/** Largest allocated/deserved ratio; a resource deserved at zero counts 1 when any is allocated. */
export function volcanoShare(allocated: ResourceAmounts, deserved: ResourceAmounts): number {
  let share = 0;
  for (const name of new Set([...Object.keys(allocated), ...Object.keys(deserved)])) {
    const a = allocated[name] ?? 0;
    const d = deserved[name] ?? 0;
    const s = d === 0 ? (a === 0 ? 0 : 1) : a / d;
    if (s > share) share = s;
  }
  return share;
}

/** Volcano's proportion rule: overused once deserved ≤ allocated in every resource. */
export function volcanoOverused(allocated: ResourceAmounts, deserved: ResourceAmounts): boolean {
  return Object.entries(deserved).every(([name, d]) => d <= (allocated[name] ?? 0));
}
