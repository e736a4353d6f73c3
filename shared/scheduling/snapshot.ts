// The scheduler's input: an immutable picture of nodes, domains, queues and jobs.
//
// A snapshot holds plain read-only records. A cycle never changes them; everything it decides is
// kept in the session's overlay and returned as data. Build one with `createSnapshot` or keep a
// `SnapshotStore` and apply changes to it.

import type { Affinity, Taint, Toleration } from '../api/core.js';
import type { PodGroupCondition, PodGroupPhase } from '../api/podgroup.js';
import type { QueueState } from '../api/queue.js';
import type { ResourceVector } from '../resources/resource-vector.js';
import type { TaskStatus } from './task-status.js';

export interface NodeSnapshot {
  readonly name: string;
  /** The failure or placement domain the node belongs to; at the gateway, the member cluster. */
  readonly domain?: string;
  readonly allocatable: ResourceVector;
  /**
   * Resources in use by pods that are not tasks of this snapshot (system daemons, pods of other
   * schedulers, reservations). Tasks that name this node add their own requests on top.
   */
  readonly otherUsed?: ResourceVector;
  /** Part of `otherUsed` that is being released (terminating pods). */
  readonly otherReleasing?: ResourceVector;
  /** Number of pods counted in `otherUsed`. */
  readonly otherPods?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly Taint[];
  readonly unschedulable?: boolean;
  /** Pod count limit; default: the allocatable `pods` amount when given, else unlimited. */
  readonly maxPods?: number;
}

export interface DomainSnapshot {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** A domain that is not ready gets no new placements (default true). */
  readonly ready?: boolean;
  /** A cordoned domain gets no new placements (default false). */
  readonly cordoned?: boolean;
}

export interface TaskSnapshot {
  /** Unique within its job; decisions name tasks by this id. */
  readonly id: string;
  readonly name: string;
  /** The task spec the task was made from (`volcano.sh/task-spec`); tasks of one role are alike. */
  readonly role?: string;
  /** Position among the job's tasks (the pod index); orders tasks of equal priority. */
  readonly index?: number;
  readonly status: TaskStatus;
  /** The node the task is on (for every status but Pending). */
  readonly node?: string;
  /** A node reserved for the task by an earlier cycle (its pipeline decision); tried first. */
  readonly nominatedNode?: string;
  readonly request: ResourceVector;
  /** Pod priority; default 1. */
  readonly priority?: number;
  /** May be evicted by preempt or reclaim (default true). */
  readonly preemptable?: boolean;
  readonly priorityClassName?: string;
  /** `Never` keeps the task from evicting others. */
  readonly preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: Affinity;
  readonly tolerations?: readonly Toleration[];
}

export interface JobSnapshot {
  /** Unique id of the PodGroup (`namespace/name` is a good choice). */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly queue: string;
  /** Gang size: fewer than this many tasks are never bound. */
  readonly minMember: number;
  /** Per-role minimums, keyed by task role. */
  readonly minTaskMember?: Readonly<Record<string, number>>;
  /** Resources the gang needs to start; used by enqueue admission. */
  readonly minResources?: ResourceVector;
  /** Job priority (value of the PodGroup's PriorityClass); default 0. */
  readonly priority?: number;
  readonly priorityClassName?: string;
  /** Milliseconds since the epoch. */
  readonly creationTimestamp: number;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Current PodGroup phase; default Pending. */
  readonly phase?: PodGroupPhase;
  readonly conditions?: readonly PodGroupCondition[];
  /** Whether the job's tasks may be evicted (default false at job level; tasks decide by their own flag). */
  readonly preemptable?: boolean;
  readonly tasks: readonly TaskSnapshot[];
}

export interface QueueSnapshot {
  readonly name: string;
  /** Share weight for proportion (default 1). */
  readonly weight?: number;
  readonly capability?: ResourceVector;
  readonly deserved?: ResourceVector;
  readonly guarantee?: ResourceVector;
  /** Whether other queues may reclaim this queue's resources above its deserved share (default true). */
  readonly reclaimable?: boolean;
  /** Default Open. */
  readonly state?: QueueState;
  readonly parent?: string;
  /** Higher priority queues are served first (default 0). */
  readonly priority?: number;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch; orders queues of equal share (default 0). */
  readonly creationTimestamp?: number;
}

export interface ClusterSnapshot {
  /** Sorted by domain, then name. */
  readonly nodes: readonly NodeSnapshot[];
  /** Sorted by name; includes a record for every domain a node names. */
  readonly domains: readonly DomainSnapshot[];
  readonly queues: readonly QueueSnapshot[];
  readonly jobs: readonly JobSnapshot[];
  /**
   * When known (an incremental SnapshotStore): `nodes` holds the same names in the same places as
   * the list `since`, and differs from it only at `positions` (ascending). Spares a session the
   * comparison of every node with the previous cycle's.
   */
  readonly nodeChanges?: { readonly since: readonly NodeSnapshot[]; readonly positions: Int32Array };
}

export interface SnapshotInput {
  nodes?: readonly NodeSnapshot[];
  domains?: readonly DomainSnapshot[];
  queues?: readonly QueueSnapshot[];
  jobs?: readonly JobSnapshot[];
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** Orders nodes by domain (nodes without one first), then by name. */
export function compareNodes(a: NodeSnapshot, b: NodeSnapshot): number {
  const da = a.domain ?? '';
  const db = b.domain ?? '';
  if (da !== db) return da < db ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * A snapshot from plain lists: nodes are sorted, a domain record is added for every domain a node
 * names without one, and duplicate names or ids are rejected.
 */
export function createSnapshot(input: SnapshotInput): ClusterSnapshot {
  const nodes = [...(input.nodes ?? [])].sort(compareNodes);
  unique(nodes.map((n) => n.name), 'node');
  const domains = withImplicitDomains(input.domains ?? [], nodes);
  const queues = [...(input.queues ?? [])];
  unique(queues.map((q) => q.name), 'queue');
  const jobs = [...(input.jobs ?? [])];
  unique(jobs.map((j) => j.id), 'job');
  return Object.freeze({ nodes: Object.freeze(nodes), domains, queues: Object.freeze(queues), jobs: Object.freeze(jobs) });
}

/** Domain records sorted by name, with a default record for each domain only nodes mention. */
export function withImplicitDomains(
  domains: readonly DomainSnapshot[],
  nodes: readonly NodeSnapshot[],
): readonly DomainSnapshot[] {
  const byName = new Map<string, DomainSnapshot>();
  for (const d of domains) {
    if (byName.has(d.name)) throw new SnapshotError(`duplicate domain "${d.name}"`);
    byName.set(d.name, d);
  }
  for (const n of nodes) {
    if (n.domain !== undefined && !byName.has(n.domain)) byName.set(n.domain, { name: n.domain });
  }
  return Object.freeze([...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

function unique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SnapshotError(`duplicate ${what} "${n}"`);
    seen.add(n);
  }
}
