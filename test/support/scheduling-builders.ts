/**
 * Fluent builders and shape fixtures for scheduling tests:
 *   makeNode('n1').cpu('4').memory('8Gi').gpu(8).build()
 *   makeJob('j', 'ns').queue('q').tasks(4, { cpu: '1' }).build()
 *   nodes4Cpu8Gi(32), snapshotOf({ nodes, jobs, queues })
 */
import type { Taint, Toleration, Affinity } from '../../shared/api/core.js';
import { ManualClock } from '../../shared/clock.js';
import { parseSchedulerConfig } from '../../shared/scheduling/config.js';
import { defaultRegistry, type Registry } from '../../shared/scheduling/registry.js';
import { runCycle, type CycleResult } from '../../shared/scheduling/run-cycle.js';
import type { PodGroupPhase } from '../../shared/api/podgroup.js';
import type { QueueState } from '../../shared/api/queue.js';
import { ResourceVector } from '../../shared/resources/resource-vector.js';
import {
  createSnapshot,
  type ClusterSnapshot,
  type DomainSnapshot,
  type JobSnapshot,
  type NodeSnapshot,
  type QueueSnapshot,
  type TaskSnapshot,
} from '../../shared/scheduling/snapshot.js';
import type { TaskStatus } from '../../shared/scheduling/task-status.js';

export type Resources = Record<string, string | number>;

export const GPU = 'nvidia.com/gpu';

export class NodeBuilder {
  private allocatable: Resources = {};
  private spec: { -readonly [K in keyof NodeSnapshot]?: NodeSnapshot[K] } = {};

  constructor(private readonly name: string) {}

  cpu(q: string | number): this {
    this.allocatable.cpu = q;
    return this;
  }

  memory(q: string | number): this {
    this.allocatable.memory = q;
    return this;
  }

  gpu(n: number): this {
    this.allocatable[GPU] = n;
    return this;
  }

  resource(name: string, q: string | number): this {
    this.allocatable[name] = q;
    return this;
  }

  domain(d: string): this {
    this.spec.domain = d;
    return this;
  }

  label(key: string, value: string): this {
    this.spec.labels = { ...this.spec.labels, [key]: value };
    return this;
  }

  taint(key: string, value: string, effect: Taint['effect'] = 'NoSchedule'): this {
    this.spec.taints = [...(this.spec.taints ?? []), { key, value, effect }];
    return this;
  }

  unschedulable(): this {
    this.spec.unschedulable = true;
    return this;
  }

  maxPods(n: number): this {
    this.spec.maxPods = n;
    return this;
  }

  /** Usage by pods the snapshot does not model as tasks. */
  otherUsed(r: Resources, pods = 1): this {
    this.spec.otherUsed = ResourceVector.fromQuantities(r);
    this.spec.otherPods = pods;
    return this;
  }

  build(): NodeSnapshot {
    return Object.freeze({ ...this.spec, name: this.name, allocatable: ResourceVector.fromQuantities(this.allocatable) });
  }
}

export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export interface TaskOptions {
  role?: string;
  nominatedNode?: string;
  status?: TaskStatus;
  node?: string;
  priority?: number;
  preemptable?: boolean;
  priorityClassName?: string;
  preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
}

export class JobBuilder {
  private readonly taskList: TaskSnapshot[] = [];
  private spec: { -readonly [K in keyof JobSnapshot]?: JobSnapshot[K] } = {};
  private min: number | undefined;
  private minRes: Resources | 'auto' | 'none' = 'auto';
  private readonly requestCache = new Map<string, ResourceVector>();

  constructor(private readonly name: string, private readonly namespace: string) {}

  queue(q: string): this {
    this.spec.queue = q;
    return this;
  }

  minMember(n: number): this {
    this.min = n;
    return this;
  }

  minTaskMember(m: Record<string, number>): this {
    this.spec.minTaskMember = m;
    return this;
  }

  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }

  created(ms: number): this {
    this.spec.creationTimestamp = ms;
    return this;
  }

  phase(p: PodGroupPhase): this {
    this.spec.phase = p;
    return this;
  }

  annotation(key: string, value: string): this {
    this.spec.annotations = { ...this.spec.annotations, [key]: value };
    return this;
  }

  preemptable(p = true): this {
    this.spec.preemptable = p;
    return this;
  }

  /** Explicit minResources, or 'none' for a job without them (default: Σ of the first minMember requests). */
  minResources(r: Resources | 'none'): this {
    this.minRes = r;
    return this;
  }

  /** Adds `count` tasks with the same request (one role); they share one request vector. */
  tasks(count: number, request: Resources, opts: TaskOptions = {}): this {
    const key = JSON.stringify(request);
    let vec = this.requestCache.get(key);
    if (vec === undefined) this.requestCache.set(key, (vec = ResourceVector.fromQuantities(request)));
    const role = opts.role ?? 'worker';
    for (let i = 0; i < count; i++) {
      const index = this.taskList.filter((t) => t.role === role).length;
      const { role: _r, ...rest } = opts;
      this.taskList.push(Object.freeze({
        ...rest,
        id: `${role}-${index}`,
        name: `${this.name}-${role}-${index}`,
        role,
        index,
        status: opts.status ?? 'Pending',
        request: vec,
      }));
    }
    return this;
  }

  /** Adds one task in `status` on `node`. */
  placed(status: TaskStatus, node: string, request: Resources, opts: TaskOptions = {}): this {
    return this.tasks(1, request, { ...opts, status, node });
  }

  build(): JobSnapshot {
    const minMember = this.min ?? this.taskList.length;
    let minResources: ResourceVector | undefined;
    if (this.minRes === 'auto') {
      minResources = ResourceVector.empty();
      for (const t of this.taskList.slice(0, minMember)) minResources = minResources.add(t.request);
    } else if (this.minRes !== 'none') {
      minResources = ResourceVector.fromQuantities(this.minRes);
    }
    return Object.freeze({
      ...this.spec,
      id: `${this.namespace}/${this.name}`,
      name: this.name,
      namespace: this.namespace,
      queue: this.spec.queue ?? 'default',
      minMember,
      creationTimestamp: this.spec.creationTimestamp ?? 0,
      ...(minResources === undefined ? {} : { minResources }),
      tasks: Object.freeze([...this.taskList]),
    });
  }
}

export function makeJob(name: string, namespace = 'default'): JobBuilder {
  return new JobBuilder(name, namespace);
}

export class QueueBuilder {
  private spec: { -readonly [K in keyof QueueSnapshot]?: QueueSnapshot[K] } = {};

  constructor(private readonly name: string) {}

  weight(w: number): this {
    this.spec.weight = w;
    return this;
  }

  capability(r: Resources): this {
    this.spec.capability = ResourceVector.fromQuantities(r);
    return this;
  }

  deserved(r: Resources): this {
    this.spec.deserved = ResourceVector.fromQuantities(r);
    return this;
  }

  guarantee(r: Resources): this {
    this.spec.guarantee = ResourceVector.fromQuantities(r);
    return this;
  }

  reclaimable(r: boolean): this {
    this.spec.reclaimable = r;
    return this;
  }

  state(s: QueueState): this {
    this.spec.state = s;
    return this;
  }

  parent(p: string): this {
    this.spec.parent = p;
    return this;
  }

  priority(p: number): this {
    this.spec.priority = p;
    return this;
  }

  annotation(key: string, value: string): this {
    this.spec.annotations = { ...this.spec.annotations, [key]: value };
    return this;
  }

  build(): QueueSnapshot {
    return Object.freeze({ ...this.spec, name: this.name });
  }
}

export function makeQueue(name: string): QueueBuilder {
  return new QueueBuilder(name);
}

/** `count` nodes `n0..` with 4 cpu and 8Gi memory. */
export function nodes4Cpu8Gi(count: number, prefix = 'n'): NodeSnapshot[] {
  return Array.from({ length: count }, (_, i) => makeNode(`${prefix}${i}`).cpu('4').memory('8Gi').build());
}

/** `count` nodes with 8 gpus, 32 cpu, 256Gi memory. */
export function gpuNodes(count: number, prefix = 'g', gpus = 8): NodeSnapshot[] {
  return Array.from({ length: count }, (_, i) => makeNode(`${prefix}${i}`).cpu('32').memory('256Gi').gpu(gpus).build());
}

export function snapshotOf(parts: {
  nodes?: NodeSnapshot[];
  jobs?: (JobSnapshot | JobBuilder)[];
  queues?: (QueueSnapshot | QueueBuilder)[];
  domains?: DomainSnapshot[];
}): ClusterSnapshot {
  return createSnapshot({
    nodes: parts.nodes ?? [],
    domains: parts.domains ?? [],
    jobs: (parts.jobs ?? []).map((j) => (j instanceof JobBuilder ? j.build() : j)),
    queues: (parts.queues ?? [makeQueue('default')]).map((q) => (q instanceof QueueBuilder ? q.build() : q)),
  });
}

// ---------------------------------------------------------------- running cycles in tests

export const T0 = Date.UTC(2026, 0, 1);

/** Runs one cycle with a manual clock at `now` (default T0) and an optional YAML configuration. */
export function cycle(snapshot: ClusterSnapshot, opts: { config?: string; now?: number; registry?: Registry } = {}): CycleResult {
  const registry = opts.registry ?? defaultRegistry;
  return runCycle({
    snapshot,
    registry,
    clock: new ManualClock(opts.now ?? T0),
    ...(opts.config === undefined ? {} : { config: parseSchedulerConfig(opts.config, { registry }) }),
  });
}

/** `job/task->node` for every bind, sorted. */
export function bindsOf(r: CycleResult): string[] {
  return r.decisions.filter((d) => d.type === 'bind').map((d) => `${d.job}/${d.task}->${d.node}`).sort();
}

/** `job/task@node` for every eviction, sorted. */
export function evictionsOf(r: CycleResult): string[] {
  return r.decisions.filter((d) => d.type === 'evict').map((d) => `${d.job}/${d.task}@${d.node}`).sort();
}

/** `job/task->node` for every pipeline (nomination), sorted. */
export function pipelinesOf(r: CycleResult): string[] {
  return r.decisions.filter((d) => d.type === 'pipeline').map((d) => `${d.job}/${d.task}->${d.node}`).sort();
}

export function phaseOf(r: CycleResult, job: string): string | undefined {
  return r.podGroupStatus.find((p) => p.job === job)?.phase;
}

export function diagnosisOf(r: CycleResult, job: string): CycleResult['diagnostics'][number] | undefined {
  return r.diagnostics.find((d) => d.job === job);
}

/** A configuration with the given actions and tiers (plugin names, or full entries as YAML). */
export function configYaml(actions: string, tiers: string[][]): string {
  return `actions: "${actions}"\ntiers:\n${tiers.map((t) => `- plugins:\n${t.map((p) => `  - name: ${p}`).join('\n')}`).join('\n')}\n`;
}
