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

/**
 * What a session's nodes share: its table, resource space and domains. One object per set of
 * NodeInfo objects, so handing the nodes on to the next session updates three fields here rather
 * than three per node.
 */
export class NodeContext {
  constructor(public table: NodeTable, public space: ResourceSpace, public domains: readonly DomainInfo[]) {}
}

export class NodeInfo {
  // Session-scoped: a session may hand its NodeInfo objects on to the next session over the same
  // node positions (see `refresh`), so these are reassigned there and nowhere else.
  index: number;
  snapshot: NodeSnapshot;
  name: string;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
  unschedulable: boolean;
  /** Tasks of the snapshot that name this node. */
  readonly tasks: TaskInfo[] = [];
  /** index of the node's domain in the context's domains, or -1 */
  private domainIndex: number;
  private base: number;

  constructor(index: number, snapshot: NodeSnapshot, domainIndex: number, private readonly ctx: NodeContext) {
    this.index = index;
    this.snapshot = snapshot;
    this.domainIndex = domainIndex;
    this.name = snapshot.name;
    this.labels = snapshot.labels ?? NO_LABELS;
    this.taints = snapshot.taints ?? NO_TAINTS;
    this.unschedulable = snapshot.unschedulable ?? false;
    this.base = index * ctx.table.dims;
  }

  get domain(): DomainInfo | undefined {
    return this.domainIndex < 0 ? undefined : this.ctx.domains[this.domainIndex];
  }

  /** The context these nodes share (for a session handing them on). */
  get context(): NodeContext {
    return this.ctx;
  }

  /** Takes the node's current snapshot (when it changed) for a new session over the same positions. */
  refresh(snapshot: NodeSnapshot): void {
    if (snapshot === this.snapshot) return;
    this.snapshot = snapshot;
    this.name = snapshot.name;
    this.labels = snapshot.labels ?? NO_LABELS;
    this.taints = snapshot.taints ?? NO_TAINTS;
    this.unschedulable = snapshot.unschedulable ?? false;
  }

  /** Moves the node to another position, domain or table width. */
  relocate(index: number, domainIndex: number): void {
    this.index = index;
    this.domainIndex = domainIndex;
    this.base = index * this.ctx.table.dims;
  }

  allocatableOf(d: number): number {
    return this.ctx.table.allocatable[this.base + d] as number;
  }

  usedOf(d: number): number {
    return this.ctx.table.used[this.base + d] as number;
  }

  releasingOf(d: number): number {
    return this.ctx.table.releasing[this.base + d] as number;
  }

  pipelinedOf(d: number): number {
    return this.ctx.table.pipelined[this.base + d] as number;
  }

  /** allocatable − used. */
  idleOf(d: number): number {
    return (this.ctx.table.allocatable[this.base + d] as number) - (this.ctx.table.used[this.base + d] as number);
  }

  /** idle + releasing − pipelined: what the node will have once releasing pods are gone. */
  futureIdleOf(d: number): number {
    const b = this.base + d;
    return (this.ctx.table.allocatable[b] as number) - (this.ctx.table.used[b] as number) + (this.ctx.table.releasing[b] as number) - (this.ctx.table.pipelined[b] as number);
  }

  get podCount(): number {
    return this.ctx.table.podCount[this.index] as number;
  }

  get maxPods(): number {
    return this.ctx.table.maxPods[this.index] as number;
  }

  /** Session-unique stamp of the node's current state. */
  get version(): number {
    return this.ctx.table.version[this.index] as number;
  }

  allocatable(): ResourceVector {
    return this.ctx.space.toVector(this.ctx.table.allocatable, this.base);
  }

  used(): ResourceVector {
    return this.ctx.space.toVector(this.ctx.table.used, this.base);
  }

  idle(): ResourceVector {
    const a = new Float64Array(this.ctx.table.dims);
    for (let d = 0; d < a.length; d++) a[d] = this.idleOf(d);
    return this.ctx.space.toVector(a);
  }

  releasing(): ResourceVector {
    return this.ctx.space.toVector(this.ctx.table.releasing, this.base);
  }

  pipelined(): ResourceVector {
    return this.ctx.space.toVector(this.ctx.table.pipelined, this.base);
  }

  futureIdle(): ResourceVector {
    const a = new Float64Array(this.ctx.table.dims);
    for (let d = 0; d < a.length; d++) a[d] = this.futureIdleOf(d);
    return this.ctx.space.toVector(a);
  }
}
