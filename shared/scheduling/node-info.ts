// Session view of nodes and domains: fixed attributes from the snapshot plus dense, mutable
// resource bookkeeping (used, releasing, pipelined, pod count) owned by the session.

import type { Taint } from '../api/core.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { ResourceSpace } from './resource-space.js';
import type { DomainSnapshot, NodeSnapshot } from './snapshot.js';
import type { TaskInfo } from './task-info.js';

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const NO_TAINTS: readonly Taint[] = Object.freeze([]);

/** Row-major dense arrays: node i, dimension d lives at i * dims + d. */
export class NodeTable {
  readonly allocatable: Float64Array;
  readonly used: Float64Array;
  readonly releasing: Float64Array;
  readonly pipelined: Float64Array;
  readonly podCount: Int32Array;
  readonly maxPods: Float64Array;
  /** Bumped (to a session-unique value) whenever anything on the node changes. */
  readonly version: Float64Array;

  constructor(readonly count: number, readonly dims: number) {
    this.allocatable = new Float64Array(count * dims);
    this.used = new Float64Array(count * dims);
    this.releasing = new Float64Array(count * dims);
    this.pipelined = new Float64Array(count * dims);
    this.podCount = new Int32Array(count);
    this.maxPods = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
    this.version = new Float64Array(count);
  }
}

export class DomainInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ready: boolean;
  readonly cordoned: boolean;
  /** Nodes of the domain are the contiguous index range [nodeStart, nodeEnd). */
  nodeStart = 0;
  nodeEnd = 0;
  /** Σ allocatable, used, releasing and pipelined of the domain's nodes, kept current by the session. */
  readonly allocatable: Float64Array;
  readonly used: Float64Array;
  readonly releasing: Float64Array;
  readonly pipelined: Float64Array;

  constructor(readonly index: number, readonly snapshot: DomainSnapshot, dims: number) {
    this.name = snapshot.name;
    this.labels = snapshot.labels ?? NO_LABELS;
    this.ready = snapshot.ready ?? true;
    this.cordoned = snapshot.cordoned ?? false;
    this.allocatable = new Float64Array(dims);
    this.used = new Float64Array(dims);
    this.releasing = new Float64Array(dims);
    this.pipelined = new Float64Array(dims);
  }

  get nodeCount(): number {
    return this.nodeEnd - this.nodeStart;
  }

  /** Allocatable minus used in dimension d, summed over the domain. */
  idleOf(d: number): number {
    return (this.allocatable[d] as number) - (this.used[d] as number);
  }
}

export class NodeInfo {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly unschedulable: boolean;
  /** Tasks of the snapshot that name this node. */
  readonly tasks: TaskInfo[] = [];
  private readonly base: number;

  constructor(
    readonly index: number,
    readonly snapshot: NodeSnapshot,
    readonly domain: DomainInfo | undefined,
    private readonly table: NodeTable,
    private readonly space: ResourceSpace,
  ) {
    this.name = snapshot.name;
    this.labels = snapshot.labels ?? NO_LABELS;
    this.taints = snapshot.taints ?? NO_TAINTS;
    this.unschedulable = snapshot.unschedulable ?? false;
    this.base = index * table.dims;
  }

  allocatableOf(d: number): number {
    return this.table.allocatable[this.base + d] as number;
  }

  usedOf(d: number): number {
    return this.table.used[this.base + d] as number;
  }

  releasingOf(d: number): number {
    return this.table.releasing[this.base + d] as number;
  }

  pipelinedOf(d: number): number {
    return this.table.pipelined[this.base + d] as number;
  }

  /** allocatable − used. */
  idleOf(d: number): number {
    return (this.table.allocatable[this.base + d] as number) - (this.table.used[this.base + d] as number);
  }

  /** idle + releasing − pipelined: what the node will have once releasing pods are gone. */
  futureIdleOf(d: number): number {
    const b = this.base + d;
    return (this.table.allocatable[b] as number) - (this.table.used[b] as number) + (this.table.releasing[b] as number) - (this.table.pipelined[b] as number);
  }

  get podCount(): number {
    return this.table.podCount[this.index] as number;
  }

  get maxPods(): number {
    return this.table.maxPods[this.index] as number;
  }

  /** Session-unique stamp of the node's current state. */
  get version(): number {
    return this.table.version[this.index] as number;
  }

  allocatable(): ResourceVector {
    return this.space.toVector(this.table.allocatable, this.base);
  }

  used(): ResourceVector {
    return this.space.toVector(this.table.used, this.base);
  }

  idle(): ResourceVector {
    const a = new Float64Array(this.table.dims);
    for (let d = 0; d < a.length; d++) a[d] = this.idleOf(d);
    return this.space.toVector(a);
  }

  releasing(): ResourceVector {
    return this.space.toVector(this.table.releasing, this.base);
  }

  pipelined(): ResourceVector {
    return this.space.toVector(this.table.pipelined, this.base);
  }

  futureIdle(): ResourceVector {
    const a = new Float64Array(this.table.dims);
    for (let d = 0; d < a.length; d++) a[d] = this.futureIdleOf(d);
    return this.space.toVector(a);
  }
}
